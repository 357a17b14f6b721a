//! Reads of a run from the API on the caller's request (`polytrack::inputs`), outside the
//! run's delivery queue: one request, answered or failed, never retried in the background.

use super::answer::Expect;
use super::client::Client;
use super::failure::Failure;
use super::request::Request;
use super::spool::Target;
use crate::config::ApiConfig;
use crate::error::Error;
use serde_json::{Map, Value};

/// The `inputs` of run `uuid` on the API (`GET /api/v1/{owner}/{project}/runs/{uuid}`); an
/// empty map when the run has none.
pub(crate) fn read_run_inputs(
    api: &ApiConfig,
    owner: &str,
    project: &str,
    uuid: &str,
) -> Result<Map<String, Value>, Error> {
    let client = Client::new(api)?;
    let target = Target {
        owner: owner.to_owned(),
        project: project.to_owned(),
        uuid: uuid.to_owned(),
    };
    let body = client
        .send(
            &Request::get(target.run_path(), Expect::Run(uuid.to_owned())),
            None,
        )
        .map_err(|failure| match failure {
            Failure::Transient { error, .. }
            | Failure::Rejected(error)
            | Failure::Blocked(error) => error,
        })?;
    let run: Value = serde_json::from_slice(&body).map_err(|e| Error::Api {
        request: format!("GET {}", target.run_path()),
        status: 200,
        body: format!("not a run: {e}"),
    })?;
    match run.get("inputs") {
        Some(Value::Object(inputs)) => Ok(inputs.clone()),
        Some(Value::Null) | None => Ok(Map::new()),
        Some(other) => Err(Error::Api {
            request: format!("GET {}", target.run_path()),
            status: 200,
            body: format!("inputs are not a map: {other}"),
        }),
    }
}
