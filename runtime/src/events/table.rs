//! Dataframes as the CSV file pandas' `DataFrame.to_csv` writes for Polyaxon's
//! `log_dataframe`: a header row that starts with the (unnamed) index column, then one row per
//! record prefixed by its index `0, 1, ...`.
//!
//! Rows are any `Serialize` values that serialize to a map (a struct) or a sequence; they are
//! turned into JSON values on the caller's thread (the copy the event keeps) and into CSV on
//! the writer thread.

use serde::Serialize;
use serde_json::Value;

use super::py_str as py_float;
use crate::Error;

/// A table to log with [`log_dataframe`](crate::log_dataframe).
#[derive(Debug, Clone)]
pub struct Dataframe {
    columns: Vec<String>,
    rows: Vec<Vec<Value>>,
    bytes: usize,
}

fn invalid(reason: String) -> Error {
    Error::InvalidEvent {
        kind: "dataframe",
        reason,
    }
}

impl Dataframe {
    /// A table of records: structs (or maps) give the columns by their field names, in the
    /// first record's order; sequences (tuples, arrays) give columns `0, 1, ...`.
    ///
    /// Errors when a record does not serialize, is neither a map nor a sequence, or lacks a
    /// column of the first record or has one it lacks.
    pub fn from_rows<T: Serialize>(rows: impl IntoIterator<Item = T>) -> Result<Dataframe, Error> {
        let mut columns: Option<Vec<String>> = None;
        let mut out = Vec::new();
        let mut bytes = 0;
        for (i, row) in rows.into_iter().enumerate() {
            let value = serde_json::to_value(&row).map_err(|e| Error::Serialize(e.to_string()))?;
            let cells = match value {
                Value::Object(map) => {
                    let names: Vec<String> = map.keys().cloned().collect();
                    match &columns {
                        None => columns = Some(names),
                        Some(cols) if *cols != names => {
                            return Err(invalid(format!(
                                "record {i} has columns {names:?}, the first has {cols:?}"
                            )))
                        }
                        Some(_) => {}
                    }
                    map.into_iter().map(|(_, v)| v).collect::<Vec<_>>()
                }
                Value::Array(cells) => {
                    let names: Vec<String> = (0..cells.len()).map(|c| c.to_string()).collect();
                    match &columns {
                        None => columns = Some(names),
                        Some(cols) if cols.len() != cells.len() => {
                            return Err(invalid(format!(
                                "record {i} has {} cells, the first has {}",
                                cells.len(),
                                cols.len()
                            )))
                        }
                        Some(_) => {}
                    }
                    cells
                }
                other => {
                    return Err(invalid(format!(
                        "record {i} is {}, not a struct, map or sequence",
                        kind_of(&other)
                    )))
                }
            };
            bytes += cells.iter().map(cell_bytes).sum::<usize>();
            out.push(cells);
        }
        Ok(Dataframe {
            columns: columns.unwrap_or_default(),
            rows: out,
            bytes,
        })
    }

    /// Bytes held in memory (an estimate).
    pub(crate) fn bytes(&self) -> usize {
        self.bytes + self.columns.iter().map(String::len).sum::<usize>()
    }

    /// The CSV text, as pandas writes it.
    pub(crate) fn to_csv(&self) -> Result<Vec<u8>, String> {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        let header = std::iter::once("").chain(self.columns.iter().map(String::as_str));
        w.write_record(header).map_err(|e| e.to_string())?;
        for (i, row) in self.rows.iter().enumerate() {
            let cells = std::iter::once(i.to_string()).chain(row.iter().map(cell_text));
            w.write_record(cells).map_err(|e| e.to_string())?;
        }
        w.into_inner().map_err(|e| e.to_string())
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a bool",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a sequence",
        Value::Object(_) => "a map",
    }
}

fn cell_bytes(v: &Value) -> usize {
    match v {
        Value::String(s) => s.len() + 24,
        _ => 24,
    }
}

/// A cell as pandas prints it: floats as Python's `repr`, booleans `True`/`False`, missing
/// values empty, nested values as JSON.
fn cell_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Bool(b) => if *b { "True" } else { "False" }.to_owned(),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => i.to_string(),
            (_, Some(u), _) => u.to_string(),
            (_, _, Some(f)) => py_float(f),
            _ => n.to_string(),
        },
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Row {
        epoch: u32,
        loss: f64,
        note: &'static str,
        ok: bool,
    }

    #[test]
    fn csv_like_pandas() {
        let df = Dataframe::from_rows([
            Row {
                epoch: 1,
                loss: 0.5,
                note: "a,b",
                ok: true,
            },
            Row {
                epoch: 2,
                loss: 1e-5,
                note: "c",
                ok: false,
            },
        ])
        .unwrap();
        let csv = String::from_utf8(df.to_csv().unwrap()).unwrap();
        assert_eq!(
            csv,
            ",epoch,loss,note,ok\n0,1,0.5,\"a,b\",True\n1,2,1e-05,c,False\n"
        );
    }

    #[test]
    fn tuples_and_errors() {
        let df = Dataframe::from_rows([(1, "x"), (2, "y")]).unwrap();
        assert_eq!(
            String::from_utf8(df.to_csv().unwrap()).unwrap(),
            ",0,1\n0,1,x\n1,2,y\n"
        );
        assert!(Dataframe::from_rows([1, 2]).is_err());
        assert!(Dataframe::from_rows([vec![1], vec![1, 2]]).is_err());
        let rows = [serde_json::json!({"a": 1}), serde_json::json!({"b": 1})];
        assert!(Dataframe::from_rows(rows).is_err());
    }
}
