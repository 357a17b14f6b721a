//! Everything polytrack sends to a Polyaxon API, against the real server: one test binary
//! (one link instead of seven) with a module per concern. The tests share nothing but the
//! log capture (`support::capture_logs`, whose assertions look for their own lines) and the
//! server; each has its own runs and folders, so they run in parallel as before.
//!
//! `api-child` (`api_child.rs`) stays a binary of its own: `outage` kills it mid-run.

#[path = "api_support.rs"]
mod support;

#[path = "api_errors.rs"]
mod errors;
#[path = "api_external.rs"]
mod external;
#[path = "api_managed.rs"]
mod managed;
#[path = "api_outage.rs"]
mod outage;
#[path = "api_parity.rs"]
mod parity;
#[path = "api_push.rs"]
mod push;
#[path = "api_token.rs"]
mod token;
