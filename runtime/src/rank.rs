//! Rank awareness for distributed jobs.
//!
//! Polyaxon gives every replica of a distributed job the same environment, so every replica
//! would write into the same run and overwrite the others' files and outputs. Polyaxon's
//! Python client has no guard against that. polytrack reads the usual rank variables and, by
//! default, tracks from rank 0 only: the other ranks become no-ops. With
//! [`RankPolicy::AllRanks`] (or `POLYTRACK_TRACK_ALL_RANKS=true`) every rank tracks, and the
//! metrics of rank `N > 0` are written under `<name>_rank<N>`, so no two ranks share a file.

use crate::error::Error;
use std::collections::BTreeMap;

/// The variables read, in order; the first one set wins.
pub const RANK_VARIABLES: &[&str] = &[
    "RANK",
    "OMPI_COMM_WORLD_RANK",
    "PMI_RANK",
    "PMIX_RANK",
    "SLURM_PROCID",
    "JAX_PROCESS_ID",
    "LOCAL_RANK",
];

/// Which ranks of a distributed job track.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RankPolicy {
    /// Only rank 0 tracks; the others are no-ops (the default).
    #[default]
    RankZeroOnly,
    /// Every rank tracks metrics; ranks above 0 write them with a `_rank<N>` suffix.
    AllRanks,
}

/// This process's rank, and the variable it came from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rank {
    /// The global rank (0 when not distributed).
    pub rank: u32,
    /// The variable that gave it, if any.
    pub source: Option<&'static str>,
}

impl Rank {
    pub(crate) fn detect(vars: &BTreeMap<String, String>) -> Result<Rank, Error> {
        for var in RANK_VARIABLES {
            if let Some(value) = vars.get(*var).map(|v| v.trim()).filter(|v| !v.is_empty()) {
                let rank = value
                    .parse::<u32>()
                    .map_err(|_| Error::config(var, value, "a non-negative integer rank"))?;
                return Ok(Rank {
                    rank,
                    source: Some(var),
                });
            }
        }
        Ok(Rank::default())
    }

    /// Whether this process is not rank 0.
    pub fn is_worker(&self) -> bool {
        self.rank != 0
    }

    /// The suffix metrics of this rank carry under [`RankPolicy::AllRanks`].
    pub(crate) fn metric_suffix(&self) -> Option<String> {
        self.is_worker().then(|| format!("_rank{}", self.rank))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn first_variable_wins() {
        let r = Rank::detect(&vars(&[("LOCAL_RANK", "1"), ("RANK", "3")])).unwrap();
        assert_eq!(r.rank, 3);
        assert_eq!(r.source, Some("RANK"));
        assert_eq!(r.metric_suffix().as_deref(), Some("_rank3"));
        let r = Rank::detect(&vars(&[("SLURM_PROCID", "0")])).unwrap();
        assert!(!r.is_worker());
        assert_eq!(r.metric_suffix(), None);
    }

    #[test]
    fn malformed_rank_is_an_error() {
        let err = Rank::detect(&vars(&[("OMPI_COMM_WORLD_RANK", "two")])).unwrap_err();
        assert!(err.to_string().contains("OMPI_COMM_WORLD_RANK"));
    }
}
