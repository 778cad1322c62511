//! Personal data (PIPL): validation and masking of mobile numbers and resident ID numbers.

/// Whether `s` is a mainland mobile number: 11 digits starting 13–19.
pub fn is_mobile(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 11
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1])
        && b.iter().all(u8::is_ascii_digit)
}

/// Normalise a phone typed or imported by people: strip spaces, dashes and a +86 prefix.
pub fn normalise_phone(s: &str) -> String {
    let s: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    s.strip_prefix("+86")
        .or_else(|| s.strip_prefix("0086"))
        .map(str::to_owned)
        .unwrap_or(s)
}

/// 138****5678
pub fn mask_phone(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() < 7 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}****{tail}")
}

/// 110101********1234: the region code and the last four stay, the birth date is hidden.
pub fn mask_id_card(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() < 10 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..6].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 10))
}

/// Whether `s` is a valid 18-character resident ID number (GB 11643-1999 check digit).
pub fn is_id_card(s: &str) -> bool {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: [u8; 11] = *b"10X98765432";
    let b = s.as_bytes();
    if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = b[..17]
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    let expected = CHECK[(sum % 11) as usize];
    b[17].to_ascii_uppercase() == expected
}

/// The birth date (YYYY-MM-DD) written inside a valid ID number.
pub fn birth_date_of_id_card(s: &str) -> Option<String> {
    if !is_id_card(s) {
        return None;
    }
    let d = format!("{}-{}-{}", &s[6..10], &s[10..12], &s[12..14]);
    crate::time::parse_date(&d).map(|_| d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn masks() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_id_card("11010519491231002X"), "110105********002X");
        assert!(is_id_card("11010519491231002X"));
        assert!(!is_id_card("110105194912310021"));
        assert_eq!(
            birth_date_of_id_card("11010519491231002X").as_deref(),
            Some("1949-12-31")
        );
        assert!(is_mobile("13812345678"));
        assert!(!is_mobile("12812345678"));
        assert_eq!(normalise_phone("+86 138-1234-5678"), "13812345678");
    }

    proptest! {
        #[test]
        fn masked_phone_never_shows_the_middle(p in "1[3-9][0-9]{9}") {
            let m = mask_phone(&p);
            prop_assert_eq!(m.len(), 11);
            prop_assert_eq!(&m[3..7], "****");
            prop_assert_eq!(&m[..3], &p[..3]);
            prop_assert_eq!(&m[7..], &p[7..]);
        }

        #[test]
        fn masked_id_hides_birth_date(s in "[0-9]{17}[0-9X]") {
            let m = mask_id_card(&s);
            prop_assert_eq!(&m[6..14], "********");
        }
    }
}
