//! The wire of GeoReport v2: the format a suffix asks for, lists as JSON arrays or XML
//! elements, error documents, and the parameters of a query or form.

use std::collections::BTreeMap;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cases::georeport::{self, AttributeValue, ServiceDefinition};
use serde::Serialize;

/// The response format, from the resource's suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `.json` or no suffix.
    Json,
    /// `.xml`.
    Xml,
}

/// Why a call failed: an HTTP status and one or more descriptions.
#[derive(Debug)]
pub struct Failure {
    status: StatusCode,
    descriptions: Vec<String>,
}

impl Failure {
    pub(super) fn new(status: StatusCode, description: impl Into<String>) -> Failure {
        Failure {
            status,
            descriptions: vec![description.into()],
        }
    }

    pub(super) fn bad(description: impl Into<String>) -> Failure {
        Failure::new(StatusCode::BAD_REQUEST, description)
    }

    pub(super) fn key(description: impl Into<String>) -> Failure {
        Failure::new(StatusCode::FORBIDDEN, description)
    }

    /// The error document in `format`.
    pub fn render(self, format: Format) -> Response {
        let errors: Vec<ErrorDoc> = self
            .descriptions
            .into_iter()
            .map(|description| ErrorDoc {
                code: self.status.as_u16(),
                description,
            })
            .collect();
        let mut res = list(format, "errors", "error", &errors).unwrap_or_else(|_| {
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "服务器出了问题，请稍后再试",
            )
                .into_response()
        });
        *res.status_mut() = self.status;
        res
    }
}

/// The GeoReport name of a field a domain service names.
pub(super) fn field_name(field: &str) -> &str {
    match field {
        "category_id" => "service_code",
        "lon" | "lat" => "lat/long",
        "crs" => "coordinate_system",
        "urgency" => "attribute[urgency]",
        "address" => "address_string",
        "reporter_name" => "first_name/last_name",
        "reporter_contact" => "phone/email",
        other => other,
    }
}

impl From<kernel::Error> for Failure {
    fn from(e: kernel::Error) -> Self {
        use kernel::Error as E;
        match e {
            E::NotFound => Failure::new(StatusCode::NOT_FOUND, "没有找到"),
            E::Forbidden(m) => Failure::key(m),
            E::Unauthenticated => Failure::key("api_key 无效或已过期"),
            E::Invalid(fields) => Failure {
                status: StatusCode::BAD_REQUEST,
                descriptions: fields
                    .into_iter()
                    .map(|f| format!("{}：{}", field_name(&f.field), f.message))
                    .collect(),
            },
            E::Conflict { message, .. } => Failure::bad(message),
            E::RateLimited => {
                Failure::new(StatusCode::TOO_MANY_REQUESTS, "请求过于频繁，请稍后再试")
            }
            E::Db(_) | E::Internal(_) => {
                tracing::error!(error = %e, "open311: internal error");
                Failure::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "服务器出了问题，请稍后再试",
                )
            }
        }
    }
}

/// One entry of an error document.
#[derive(Debug, Serialize)]
pub(super) struct ErrorDoc {
    pub(super) code: u16,
    pub(super) description: String,
}

pub(super) type Reply = Result<Response, Failure>;

/// Split `services.xml` into its name and format; a name without a suffix is JSON.
pub(super) fn split(file: &str) -> Result<(&str, Format), Failure> {
    match file.rsplit_once('.') {
        None => Ok((file, Format::Json)),
        Some((name, "json")) => Ok((name, Format::Json)),
        Some((name, "xml")) => Ok((name, Format::Xml)),
        Some((_, other)) => Err(Failure::bad(format!(
            "不支持的格式 .{other}：请用 .json 或 .xml"
        ))),
    }
}

/// The format a failed path asks for, for its error document.
pub(super) fn format_of(file: &str) -> Format {
    if file.ends_with(".xml") {
        Format::Xml
    } else {
        Format::Json
    }
}

pub(super) fn with_type(mut res: Response, format: Format) -> Response {
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(match format {
            Format::Json => "application/json; charset=utf-8",
            Format::Xml => "text/xml; charset=utf-8",
        }),
    );
    res
}

pub(super) fn xml_body<T: Serialize + ?Sized>(root: &str, value: &T) -> Result<String, Failure> {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    let fail = |e: quick_xml::SeError| {
        tracing::error!(error = %e, "open311: XML serialisation");
        Failure::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "服务器出了问题，请稍后再试",
        )
    };
    let mut ser = quick_xml::se::Serializer::with_root(&mut out, Some(root)).map_err(fail)?;
    ser.indent(' ', 2);
    value.serialize(ser).map_err(fail)?;
    out.push('\n');
    Ok(out)
}

/// A list: a JSON array, or `<root><item>…</item>…</root>`.
pub(super) fn list<T: Serialize>(format: Format, root: &str, item: &str, items: &[T]) -> Reply {
    let body = match format {
        Format::Json => {
            serde_json::to_string(items).map_err(|e| kernel::Error::Internal(e.to_string()))?
        }
        Format::Xml => xml_body(root, &BTreeMap::from([(item, items)]))?,
    };
    Ok(with_type(body.into_response(), format))
}

/// The request's parameters: the query string, and for a POST the form before it.
#[derive(Debug, Default)]
pub(super) struct Params(pub(super) Vec<(String, String)>);

impl Params {
    pub(super) fn parse(raw: &[u8]) -> Result<Params, Failure> {
        serde_html_form::from_bytes::<Vec<(String, String)>>(raw)
            .map(Params)
            .map_err(|e| Failure::bad(format!("参数无法读取：{e}")))
    }

    pub(super) fn of_query(q: Option<&str>) -> Result<Params, Failure> {
        Params::parse(q.unwrap_or_default().as_bytes())
    }

    /// The first non-empty value of `name`: an empty parameter counts as not given.
    pub(super) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.trim())
            .find(|v| !v.is_empty())
    }

    /// A comma-separated list (parameters given several times add up).
    pub(super) fn list(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .flat_map(|(_, v)| v.split(','))
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .collect()
    }
}

/// A GeoReport date parameter, or 400.
pub(super) fn date_param(p: &Params, name: &str, end_of_day: bool) -> Result<Option<i64>, Failure> {
    match p.get(name) {
        None => Ok(None),
        Some(v) => georeport::parse_w3c(v, end_of_day)
            .map(Some)
            .ok_or_else(|| {
                Failure::bad(format!(
                    "{name} 不是 ISO 8601 时间：{v}（例如 2026-05-01T00:00:00+08:00 或 2026-05-01）"
                ))
            }),
    }
}

/// The XML shape of a service definition: GeoReport wraps each list in an element of its
/// own (`<attributes><attribute>…`, `<values><value>…`), where JSON has plain arrays.
#[derive(Serialize)]
struct XmlDefinition<'a> {
    service_code: &'a str,
    attributes: XmlAttributes<'a>,
}

#[derive(Serialize)]
struct XmlAttributes<'a> {
    attribute: Vec<XmlAttribute<'a>>,
}

#[derive(Serialize)]
struct XmlAttribute<'a> {
    variable: bool,
    code: &'a str,
    datatype: &'a str,
    required: bool,
    datatype_description: &'a str,
    order: u32,
    description: &'a str,
    values: XmlValues<'a>,
}

#[derive(Serialize)]
struct XmlValues<'a> {
    value: &'a [AttributeValue],
}

fn definition_xml(d: &ServiceDefinition) -> XmlDefinition<'_> {
    XmlDefinition {
        service_code: &d.service_code,
        attributes: XmlAttributes {
            attribute: d
                .attributes
                .iter()
                .map(|a| XmlAttribute {
                    variable: a.variable,
                    code: a.code,
                    datatype: a.datatype,
                    required: a.required,
                    datatype_description: &a.datatype_description,
                    order: a.order,
                    description: &a.description,
                    values: XmlValues { value: &a.values },
                })
                .collect(),
        },
    }
}

/// A service definition in `format`.
pub(super) fn definition(format: Format, d: &ServiceDefinition) -> Reply {
    let body = match format {
        Format::Json => {
            serde_json::to_string(d).map_err(|e| kernel::Error::Internal(e.to_string()))?
        }
        Format::Xml => xml_body("service_definition", &definition_xml(d))?,
    };
    Ok(with_type(body.into_response(), format))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_choose_the_format() {
        assert_eq!(split("services.xml").unwrap(), ("services", Format::Xml));
        assert_eq!(split("services.json").unwrap(), ("services", Format::Json));
        assert_eq!(split("services").unwrap(), ("services", Format::Json));
        assert_eq!(split("E0401.xml").unwrap(), ("E0401", Format::Xml));
        assert!(split("services.html").is_err());
    }

    #[test]
    fn lists_in_xml_repeat_their_item() {
        let errors = [
            ErrorDoc {
                code: 400,
                description: "a <b> & c".into(),
            },
            ErrorDoc {
                code: 400,
                description: "二".into(),
            },
        ];
        let xml = xml_body("errors", &BTreeMap::from([("error", &errors[..])])).unwrap();
        assert!(
            xml.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<errors>"),
            "{xml}"
        );
        assert_eq!(xml.matches("<error>").count(), 2, "{xml}");
        assert!(xml.contains("<code>400</code>"), "{xml}");
        assert!(xml.contains("a &lt;b&gt; &amp; c"), "{xml}");
        assert!(xml.trim_end().ends_with("</errors>"), "{xml}");
    }

    #[test]
    fn parameters() {
        let p =
            Params::parse(b"a=&a=1&s=open,%20closed&s=open&attribute%5Burgency%5D=urgent").unwrap();
        assert_eq!(p.get("a"), Some("1"));
        assert_eq!(p.list("s"), vec!["open", "closed", "open"]);
        assert_eq!(p.get("attribute[urgency]"), Some("urgent"));
        assert_eq!(p.get("missing"), None);
    }
}
