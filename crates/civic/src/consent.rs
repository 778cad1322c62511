//! Who may decide (决策权): the seeds' central finding, as a pure rule. A
//! government-funded item (政府出资) is decided by the community or joint party committee;
//! an item paid by a village's collective (村集体出资) needs that village's representative
//! assembly (村民代表会议) to consent; a mixed item (政府与集体合作) needs the consent of every
//! funding party, and the committee may only consult on it — it cannot decide alone.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Who pays for a proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Funding {
    /// 政府出资.
    Government,
    /// 村集体出资 (naming the village or villages whose collective pays).
    Collective,
    /// 政府与集体合作 (naming the government and each village).
    Mixed,
}

impl Funding {
    /// Stable code.
    pub fn as_str(self) -> &'static str {
        match self {
            Funding::Government => "government",
            Funding::Collective => "collective",
            Funding::Mixed => "mixed",
        }
    }
    /// Parse a stable code.
    pub fn parse(s: &str) -> Option<Funding> {
        [Funding::Government, Funding::Collective, Funding::Mixed]
            .into_iter()
            .find(|f| f.as_str() == s.trim())
    }
    /// Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            Funding::Government => "政府出资",
            Funding::Collective => "村集体出资",
            Funding::Mixed => "政府与集体合作",
        }
    }
    /// Who holds the decision, in words.
    pub fn right(self) -> &'static str {
        match self {
            Funding::Government => "由社区（联村）党委决策",
            Funding::Collective => "须经出资村的村民代表会议同意",
            Funding::Mixed => "须经每个出资方同意，党委只能协商，不能单独决定",
        }
    }
}

/// A funding party's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// 同意.
    Agree,
    /// 不同意.
    Refuse,
}

impl Verdict {
    /// Stable code.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Agree => "agree",
            Verdict::Refuse => "refuse",
        }
    }
    /// Parse a stable code.
    pub fn parse(s: &str) -> Option<Verdict> {
        match s.trim() {
            "agree" => Some(Verdict::Agree),
            "refuse" => Some(Verdict::Refuse),
            _ => None,
        }
    }
}

/// The decision asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// 通过.
    Adopted,
    /// 不通过.
    Rejected,
}

impl Outcome {
    /// Stable code.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Adopted => "adopted",
            Outcome::Rejected => "rejected",
        }
    }
    /// Parse a stable code.
    pub fn parse(s: &str) -> Option<Outcome> {
        match s.trim() {
            "adopted" => Some(Outcome::Adopted),
            "rejected" => Some(Outcome::Rejected),
            _ => None,
        }
    }
    /// Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Adopted => "通过",
            Outcome::Rejected => "不通过",
        }
    }
}

/// What stands in the way of a decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(tag = "kind", content = "party", rename_all = "snake_case")]
pub enum Blocker {
    /// The party has not consented yet.
    Missing(String),
    /// The party refused (blocks adoption).
    Refused(String),
    /// Every party consented: the committee cannot reject on its own.
    AllAgreed,
}

impl Blocker {
    /// The blocker in words, e.g. 还需要东村村民代表会议同意.
    pub fn message(&self) -> String {
        match self {
            Blocker::Missing(p) => format!("还需要{p}同意"),
            Blocker::Refused(p) => format!("{p}不同意，不能通过"),
            Blocker::AllAgreed => "各出资方都已同意，党委不能单独否决".into(),
        }
    }
}

/// The last verdict of each party, by the order the parties are given. `consents` are
/// `(party index, verdict)` in the order recorded; a later one replaces an earlier one
/// (a new assembly may reconsider).
pub fn standing(parties: usize, consents: &[(usize, Verdict)]) -> Vec<Option<Verdict>> {
    let mut s = vec![None; parties];
    for (i, v) in consents {
        if let Some(slot) = s.get_mut(*i) {
            *slot = Some(*v);
        }
    }
    s
}

/// Whether `outcome` may be decided now, or what blocks it. `parties` are the funding
/// parties' names (the government party included for a mixed item).
pub fn may_decide(
    funding: Funding,
    parties: &[String],
    consents: &[(usize, Verdict)],
    outcome: Outcome,
) -> Result<(), Vec<Blocker>> {
    if funding == Funding::Government {
        return Ok(());
    }
    let s = standing(parties.len(), consents);
    let refused: Vec<Blocker> = parties
        .iter()
        .zip(&s)
        .filter(|(_, v)| **v == Some(Verdict::Refuse))
        .map(|(p, _)| Blocker::Refused(p.clone()))
        .collect();
    let missing: Vec<Blocker> = parties
        .iter()
        .zip(&s)
        .filter(|(_, v)| v.is_none())
        .map(|(p, _)| Blocker::Missing(p.clone()))
        .collect();
    match outcome {
        Outcome::Adopted if refused.is_empty() && missing.is_empty() && !parties.is_empty() => {
            Ok(())
        }
        Outcome::Adopted if parties.is_empty() => Err(vec![Blocker::Missing("出资村".into())]),
        Outcome::Adopted => Err(refused.into_iter().chain(missing).collect()),
        Outcome::Rejected if !refused.is_empty() => Ok(()),
        Outcome::Rejected if missing.is_empty() => Err(vec![Blocker::AllAgreed]),
        Outcome::Rejected => Err(missing),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn names(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("村{i}村民代表会议")).collect()
    }

    #[test]
    fn government_is_decided_by_the_committee() {
        assert_eq!(
            may_decide(Funding::Government, &[], &[], Outcome::Adopted),
            Ok(())
        );
        assert_eq!(
            may_decide(Funding::Government, &[], &[], Outcome::Rejected),
            Ok(())
        );
    }

    #[test]
    fn collective_needs_the_village() {
        let p = vec!["东村村民代表会议".to_string()];
        let e = may_decide(Funding::Collective, &p, &[], Outcome::Adopted).unwrap_err();
        assert_eq!(e[0].message(), "还需要东村村民代表会议同意");
        assert_eq!(
            may_decide(
                Funding::Collective,
                &p,
                &[(0, Verdict::Agree)],
                Outcome::Adopted
            ),
            Ok(())
        );
        let e = may_decide(
            Funding::Collective,
            &p,
            &[(0, Verdict::Refuse)],
            Outcome::Adopted,
        )
        .unwrap_err();
        assert_eq!(e, vec![Blocker::Refused(p[0].clone())]);
        // A new assembly may reconsider: the last verdict counts.
        let c = [(0, Verdict::Refuse), (0, Verdict::Agree)];
        assert_eq!(
            may_decide(Funding::Collective, &p, &c, Outcome::Adopted),
            Ok(())
        );
        // The committee cannot reject what the village has not voted on, nor veto it.
        assert!(may_decide(Funding::Collective, &p, &[], Outcome::Rejected).is_err());
        assert_eq!(
            may_decide(
                Funding::Collective,
                &p,
                &[(0, Verdict::Agree)],
                Outcome::Rejected
            ),
            Err(vec![Blocker::AllAgreed])
        );
        assert_eq!(
            may_decide(
                Funding::Collective,
                &p,
                &[(0, Verdict::Refuse)],
                Outcome::Rejected
            ),
            Ok(())
        );
    }

    #[test]
    fn mixed_needs_every_party() {
        let p = vec!["甲联村社区党委".to_string(), "东村村民代表会议".to_string()];
        let e =
            may_decide(Funding::Mixed, &p, &[(1, Verdict::Agree)], Outcome::Adopted).unwrap_err();
        assert_eq!(e, vec![Blocker::Missing(p[0].clone())]);
        let all = [(0, Verdict::Agree), (1, Verdict::Agree)];
        assert_eq!(
            may_decide(Funding::Mixed, &p, &all, Outcome::Adopted),
            Ok(())
        );
    }

    fn verdict() -> impl Strategy<Value = Verdict> {
        prop_oneof![Just(Verdict::Agree), Just(Verdict::Refuse)]
    }

    proptest! {
        #[test]
        fn adoption_needs_every_party_last_agreeing(
            n in 1usize..5,
            raw in prop::collection::vec((0usize..5, verdict()), 0..12),
            mixed in any::<bool>(),
        ) {
            let f = if mixed { Funding::Mixed } else { Funding::Collective };
            let c: Vec<(usize, Verdict)> = raw.into_iter().filter(|(i, _)| *i < n).collect();
            let s = standing(n, &c);
            let p = names(n);
            let r = may_decide(f, &p, &c, Outcome::Adopted);
            let all_agree = s.iter().all(|v| *v == Some(Verdict::Agree));
            prop_assert_eq!(r.is_ok(), all_agree);
            if let Err(b) = r {
                // Exactly the parties not agreeing are named, each once.
                let named: Vec<&String> = b.iter().filter_map(|x| match x {
                    Blocker::Missing(p) | Blocker::Refused(p) => Some(p),
                    Blocker::AllAgreed => None,
                }).collect();
                let want: Vec<&String> = p.iter().zip(&s)
                    .filter(|(_, v)| **v != Some(Verdict::Agree)).map(|(p, _)| p).collect();
                prop_assert_eq!(named.len(), want.len());
                for w in want { prop_assert!(named.contains(&w)); }
            }
            // Rejection needs a standing refusal.
            let rej = may_decide(f, &p, &c, Outcome::Rejected);
            prop_assert_eq!(rej.is_ok(), s.contains(&Some(Verdict::Refuse)));
        }
    }
}
