//! Keyword-style macros mirroring Python's `**kwargs` calls.

/// Logs inputs on the current run, Python-style: `log_inputs!(param1 = 42, lr = 0.1)`.
/// Evaluates to `Result<(), polytrack::Error>`.
///
/// ```
/// # let _g = polytrack::init_with(polytrack::Settings::new().recorder(polytrack::testing::Recorder::new())).unwrap();
/// polytrack::log_inputs!(param1 = 42, optimizer = "sgd").unwrap();
/// ```
#[macro_export]
macro_rules! log_inputs {
    ($($key:ident = $value:expr),+ $(,)?) => {
        match $crate::__kwargs!($($key = $value),+) {
            ::core::result::Result::Ok(map) => $crate::log_inputs(&map),
            ::core::result::Result::Err(e) => ::core::result::Result::Err(e),
        }
    };
}

/// Logs outputs on the current run, Python-style: `log_outputs!(res1 = 7, res2 = "test")`.
///
/// ```
/// # let _g = polytrack::init_with(polytrack::Settings::new().recorder(polytrack::testing::Recorder::new())).unwrap();
/// polytrack::log_outputs!(accuracy = 0.93, note = "best").unwrap();
/// ```
#[macro_export]
macro_rules! log_outputs {
    ($($key:ident = $value:expr),+ $(,)?) => {
        match $crate::__kwargs!($($key = $value),+) {
            ::core::result::Result::Ok(map) => $crate::log_outputs(&map),
            ::core::result::Result::Err(e) => ::core::result::Result::Err(e),
        }
    };
}

/// Logs several metrics on the current run, with an optional step and timestamp first:
/// `log_metrics!(step = 2; loss = 0.1, acc = 0.9)` or `log_metrics!(loss = 0.1)`.
///
/// ```
/// # let _g = polytrack::init_with(polytrack::Settings::new().recorder(polytrack::testing::Recorder::new())).unwrap();
/// polytrack::log_metrics!(step = 2; metric2 = 0.1, metric3 = 0.2).unwrap();
/// polytrack::log_metrics!(metric2 = 0.05).unwrap();
/// ```
#[macro_export]
macro_rules! log_metrics {
    (step = $step:expr, timestamp = $ts:expr; $($key:ident = $value:expr),+ $(,)?) => {
        $crate::log_metrics(
            &[$((::core::stringify!($key), $crate::MetricValue::to_f64($value))),+],
            ::core::option::Option::Some($step as i64),
            ::core::option::Option::Some($ts),
        )
    };
    (step = $step:expr; $($key:ident = $value:expr),+ $(,)?) => {
        $crate::log_metrics(
            &[$((::core::stringify!($key), $crate::MetricValue::to_f64($value))),+],
            ::core::option::Option::Some($step as i64),
            ::core::option::Option::None,
        )
    };
    ($($key:ident = $value:expr),+ $(,)?) => {
        $crate::log_metrics(
            &[$((::core::stringify!($key), $crate::MetricValue::to_f64($value))),+],
            ::core::option::Option::None,
            ::core::option::Option::None,
        )
    };
}

/// Builds a JSON map from `key = value` pairs (values must be `Serialize`), refusing NaN.
#[doc(hidden)]
#[macro_export]
macro_rules! __kwargs {
    ($($key:ident = $value:expr),+) => {
        (|| {
            let mut map = $crate::__private::kwargs::Map::new();
            $(
                $crate::__private::kwargs::insert(&mut map, ::core::stringify!($key), &$value)?;
            )+
            ::core::result::Result::Ok::<_, $crate::Error>(map)
        })()
    };
}
