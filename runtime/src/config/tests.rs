use super::env::{parse_bool, Env};
use super::*;
use crate::error::Error;
use std::path::PathBuf;
use std::time::Duration;

fn resolve_env(vars: &[(&str, &str)]) -> Result<Resolved, Error> {
    let mut map: Vec<(String, String)> = vec![("HOME".into(), "/nonexistent-home".into())];
    map.extend(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    Settings::new().env(map).resolve()
}

const UUID: &str = "8b4c2ed6b7d3432ba6d3f4e5c2a1b0c9";

#[test]
fn nothing_set_tracks_offline_unless_strict() {
    let r = resolve_env(&[]).unwrap();
    assert_eq!(r.mode, Mode::Offline);
    assert!(r.implicit_offline);
    assert!(matches!(
        resolve_env(&[("POLYTRACK_STRICT", "true")]),
        Err(Error::NoContext)
    ));
}

#[test]
fn managed_from_run_instance() {
    let r = resolve_env(&[
        ("POLYAXON_IS_MANAGED", "true"),
        ("POLYAXON_RUN_INSTANCE", &format!("acme.mnist.runs.{UUID}")),
        ("POLYAXON_CONTEXT_ROOT", "/ctx"),
        ("POLYAXON_COLLECT_ARTIFACTS", "true"),
        ("POLYAXON_HEADER", "X-POLYAXON-SERVICE"),
        ("POLYAXON_HEADER_SERVICE", "runner"),
    ])
    .unwrap();
    assert_eq!(r.mode, Mode::Managed);
    assert_eq!(r.owner.as_deref(), Some("acme"));
    assert_eq!(r.project.as_deref(), Some("mnist"));
    assert_eq!(r.uuid.as_deref(), Some(UUID));
    assert!(!r.is_new);
    assert_eq!(
        r.artifacts_root,
        PathBuf::from(format!("/ctx/artifacts/{UUID}"))
    );
    assert!(r.collect_artifacts);
    assert!(!r.collect_resources);
    assert_eq!(
        r.api.service_header,
        Some(("X-POLYAXON-SERVICE".into(), "runner".into()))
    );
}

#[test]
fn managed_collects_nothing_by_default() {
    let r = resolve_env(&[
        ("POLYAXON_IS_MANAGED", "true"),
        ("POLYAXON_RUN_INSTANCE", &format!("acme.mnist.runs.{UUID}")),
    ])
    .unwrap();
    assert!(!r.collect_artifacts);
}

#[test]
fn malformed_values_name_the_variable() {
    let err = resolve_env(&[
        ("POLYAXON_IS_MANAGED", "true"),
        ("POLYAXON_RUN_INSTANCE", "acme.mnist.runs"),
    ])
    .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("POLYAXON_RUN_INSTANCE") && msg.contains("4 dot-separated"),
        "{msg}"
    );

    let err = resolve_env(&[("POLYAXON_IS_OFFLINE", "maybe")]).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("POLYAXON_IS_OFFLINE") && msg.contains("boolean"),
        "{msg}"
    );

    let err = resolve_env(&[("POLYTRACK_PROJECT", "a/b"), ("POLYAXON_TIMEOUT", "-3")]).unwrap_err();
    assert!(err.to_string().contains("POLYAXON_TIMEOUT"));

    let err = resolve_env(&[("POLYTRACK_PROJECT", "a/b/c/d")]).unwrap_err();
    assert!(err.to_string().contains("POLYTRACK_PROJECT"));
}

#[test]
fn offline_generates_uuid_under_offline_root() {
    let r = resolve_env(&[
        ("POLYAXON_IS_OFFLINE", "yes"),
        ("POLYAXON_OFFLINE_ROOT", "/off"),
    ])
    .unwrap();
    assert_eq!(r.mode, Mode::Offline);
    let uuid = r.uuid.clone().unwrap();
    assert_eq!(uuid.len(), 32);
    assert_eq!(r.artifacts_root, PathBuf::from(format!("/off/runs/{uuid}")));
    assert!(r.collect_artifacts && r.collect_resources);
}

#[test]
fn no_op_wins() {
    let r = resolve_env(&[("POLYAXON_NO_OP", "true"), ("POLYAXON_IS_OFFLINE", "true")]).unwrap();
    assert_eq!(r.mode, Mode::NoOp);
}

#[test]
fn explicit_settings_beat_env() {
    let r = Settings::new()
        .offline(false)
        .project("me/proj")
        .env([
            ("POLYAXON_IS_OFFLINE", "true"),
            ("HOME", "/nonexistent-home"),
        ])
        .resolve()
        .unwrap();
    assert_eq!(r.mode, Mode::External);
    assert!(r.is_new);
    assert_eq!(r.owner.as_deref(), Some("me"));
}

#[test]
fn token_precedence_and_redaction() {
    let dir = std::env::temp_dir().join(format!("polytrack-cfg-{}", crate::id::new_uuid()));
    std::fs::create_dir_all(dir.join(".configs")).unwrap();
    let ctx = dir.display().to_string();
    let external = |extra: &[(&str, &str)]| {
        let mut vars = vec![
            ("POLYTRACK_PROJECT", "acme/mnist"),
            ("POLYAXON_CONTEXT_ROOT", ctx.as_str()),
        ];
        vars.extend_from_slice(extra);
        resolve_env(&vars)
    };
    let r = external(&[("POLYAXON_AUTH_TOKEN", "env-secret")]).unwrap();
    assert_eq!(r.api.token.as_ref().map(Secret::expose), Some("env-secret"));
    std::fs::write(
        dir.join(".configs/.auth"),
        r#"{"POLYAXON_AUTH_USERNAME":"u","POLYAXON_AUTH_TOKEN":"file-secret"}"#,
    )
    .unwrap();
    let r = external(&[("POLYAXON_AUTH_TOKEN", "env-secret")]).unwrap();
    assert_eq!(
        r.api.token.as_ref().map(Secret::expose),
        Some("file-secret")
    );
    let debug = format!("{r:?}");
    assert!(!debug.contains("file-secret") && debug.contains("***"));

    std::fs::write(dir.join(".configs/.auth"), "not json").unwrap();
    let err = external(&[]).unwrap_err();
    assert!(err.to_string().contains(".auth"), "{err}");
    // Modes without the API never read the token, so a broken auth file cannot stop them.
    let r = resolve_env(&[
        ("POLYAXON_IS_OFFLINE", "true"),
        ("POLYAXON_CONTEXT_ROOT", &ctx),
    ])
    .unwrap();
    assert!(r.api.token.is_none());
    let r = resolve_env(&[("POLYAXON_NO_OP", "true"), ("POLYAXON_TIMEOUT", "soon")]).unwrap();
    assert_eq!(r.mode, Mode::NoOp);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn out_of_range_numbers_are_errors_not_panics() {
    let err =
        resolve_env(&[("POLYTRACK_PROJECT", "a/b"), ("POLYAXON_TIMEOUT", "1e20")]).unwrap_err();
    assert!(err.to_string().contains("POLYAXON_TIMEOUT"), "{err}");
    let err = resolve_env(&[
        ("POLYAXON_IS_OFFLINE", "1"),
        ("POLYTRACK_END_TIMEOUT", "1e19"),
    ])
    .unwrap_err();
    assert!(err.to_string().contains("POLYTRACK_END_TIMEOUT"), "{err}");
    for bad in ["0", "10000000000", "-1", "lots"] {
        let err = resolve_env(&[
            ("POLYAXON_IS_OFFLINE", "1"),
            ("POLYTRACK_QUEUE_CAPACITY", bad),
        ])
        .unwrap_err();
        assert!(
            err.to_string().contains("POLYTRACK_QUEUE_CAPACITY"),
            "{err}"
        );
    }
    let err = Settings::new()
        .offline(true)
        .queue_capacity(0)
        .env([("HOME", "/nonexistent")])
        .resolve()
        .unwrap_err();
    assert!(
        err.to_string().contains("POLYTRACK_QUEUE_CAPACITY"),
        "{err}"
    );
    let err = Settings::new()
        .offline(true)
        .end_timeout(Duration::MAX)
        .env([("HOME", "/nonexistent")])
        .resolve()
        .unwrap_err();
    assert!(err.to_string().contains("end_timeout"), "{err}");
}

#[test]
fn a_new_run_in_a_cluster_is_a_run_of_its_own() {
    let r = resolve_env(&[
        ("POLYAXON_IS_MANAGED", "true"),
        ("POLYAXON_RUN_INSTANCE", &format!("acme.mnist.runs.{UUID}")),
        ("POLYAXON_CONTEXT_ROOT", "/ctx"),
    ]);
    assert_eq!(r.unwrap().uuid.as_deref(), Some(UUID));
    let r = Settings::new()
        .is_new(true)
        .env([
            ("HOME", "/nonexistent"),
            ("POLYAXON_IS_MANAGED", "true"),
            ("POLYAXON_RUN_INSTANCE", &format!("acme.mnist.runs.{UUID}")),
            ("POLYAXON_CONTEXT_ROOT", "/ctx"),
        ])
        .resolve()
        .unwrap();
    assert_eq!(r.mode, Mode::External);
    assert_eq!(r.project.as_deref(), Some("mnist"));
    let uuid = r.uuid.unwrap();
    assert_ne!(uuid, UUID);
    assert_eq!(
        r.artifacts_root,
        PathBuf::from(format!("/ctx/artifacts/_related_runs/{uuid}"))
    );
}

#[test]
fn process_sidecar_is_read() {
    let r = resolve_env(&[
        ("POLYAXON_IS_MANAGED", "true"),
        ("POLYAXON_RUN_INSTANCE", &format!("acme.mnist.runs.{UUID}")),
        ("POLYAXON_HAS_PROCESS_SIDECAR", "false"),
    ])
    .unwrap();
    assert!(r.has_process_sidecar && r.collect_artifacts);
}

#[test]
fn host_must_be_http() {
    let err =
        resolve_env(&[("POLYTRACK_PROJECT", "a/b"), ("POLYAXON_HOST", "ftp://x")]).unwrap_err();
    assert!(err.to_string().contains("POLYAXON_HOST"));
}

#[test]
fn bools_like_python() {
    for t in ["y", "YES", "t", "True", "on", "1"] {
        assert_eq!(parse_bool(t), Some(true));
    }
    for f in ["n", "no", "F", "false", "off", "0"] {
        assert_eq!(parse_bool(f), Some(false));
    }
    assert_eq!(parse_bool("maybe"), None);
}

#[cfg(unix)]
fn os_env(vars: &[(&str, &[u8])]) -> Env {
    use std::os::unix::ffi::OsStringExt;
    let mut all = vec![
        ("HOME".into(), "/nonexistent-home".into()),
        ("POLYAXON_NO_CONFIG".into(), "true".into()),
    ];
    all.extend(
        vars.iter()
            .map(|(k, v)| ((*k).into(), std::ffi::OsString::from_vec(v.to_vec()))),
    );
    Env::from_os(all)
}

#[cfg(unix)]
#[test]
fn variables_that_are_not_utf8_are_errors_naming_them() {
    let external = Settings::new().project("acme/mnist");
    for var in [
        "POLYAXON_HOST",
        "POLYAXON_NO_OP",
        "POLYAXON_AUTH_TOKEN",
        "POLYAXON_IS_OFFLINE",
        "POLYTRACK_QUEUE_CAPACITY",
        "RANK",
    ] {
        let env = os_env(&[(var, b"\xff\xfeoops")]);
        let err = resolve(&external, &env).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains(var) && text.contains("UTF-8"),
            "{var}: {text}"
        );
    }
    // A path may hold any bytes, as paths do.
    let env = os_env(&[
        ("POLYAXON_IS_OFFLINE", b"true"),
        ("POLYAXON_OFFLINE_ROOT", b"/data/\xffruns"),
    ]);
    let r = resolve(&Settings::new(), &env).unwrap();
    assert!(r.artifacts_root.as_os_str().len() > "/data/runs/".len());
    // A variable polytrack does not read may be anything.
    let env = os_env(&[("POLYAXON_IS_OFFLINE", b"1"), ("SOMETHING_ELSE", b"\xff")]);
    assert_eq!(resolve(&Settings::new(), &env).unwrap().mode, Mode::Offline);
}

#[cfg(unix)]
#[test]
fn auth_files_must_be_small_regular_files() {
    let dir = std::env::temp_dir().join(format!("polytrack-auth-{}", crate::id::new_uuid()));
    std::fs::create_dir_all(dir.join(".configs")).unwrap();
    let ctx = dir.display().to_string();
    let auth = dir.join(".configs/.auth");
    let external = || {
        resolve_env(&[
            ("POLYTRACK_PROJECT", "acme/mnist"),
            ("POLYAXON_CONTEXT_ROOT", ctx.as_str()),
        ])
    };
    // A FIFO would block `open` until a writer comes: refused without opening it.
    let made = std::process::Command::new("mkfifo")
        .arg(&auth)
        .status()
        .unwrap();
    assert!(made.success());
    let err = external().unwrap_err();
    assert!(
        err.to_string().contains(".auth") && err.to_string().contains("regular"),
        "{err}"
    );
    std::fs::remove_file(&auth).unwrap();
    std::fs::create_dir(&auth).unwrap();
    assert!(external().unwrap_err().to_string().contains("regular"));
    std::fs::remove_dir(&auth).unwrap();
    let big = format!(
        r#"{{"token":"t","pad":"{}"}}"#,
        "x".repeat(super::files::MAX_CONFIG_BYTES as usize)
    );
    std::fs::write(&auth, big).unwrap();
    assert!(external().unwrap_err().to_string().contains("1 MiB"));
    std::fs::write(&auth, r#"{"token":"small"}"#).unwrap();
    let token = external().unwrap().api.token;
    assert_eq!(token.as_ref().map(Secret::expose), Some("small"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_broken_client_file_is_an_error_where_a_value_would_come_from_it() {
    let home = std::env::temp_dir().join(format!("polytrack-home-{}", crate::id::new_uuid()));
    std::fs::create_dir_all(home.join(".polyaxon")).unwrap();
    std::fs::write(home.join(".polyaxon/.client"), "{\"host\": \"http://x").unwrap();
    let vars = |extra: &[(&str, &str)]| {
        let mut v = vec![("POLYAXON_HOME", home.to_str().unwrap())];
        v.extend_from_slice(extra);
        v.into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect::<Vec<_>>()
    };
    let err = Settings::new()
        .project("acme/mnist")
        .env(vars(&[]))
        .resolve()
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains(".client") && text.contains("POLYAXON_"),
        "{text}"
    );
    // Every value set in the environment: the file is not needed.
    let r = Settings::new()
        .project("acme/mnist")
        .host("http://api:8000")
        .env(vars(&[
            ("POLYAXON_IS_OFFLINE", "false"),
            ("POLYAXON_NO_OP", "false"),
            ("POLYAXON_IS_MANAGED", "false"),
            ("POLYAXON_VERIFY_SSL", "true"),
            ("POLYAXON_TIMEOUT", "5"),
            ("POLYAXON_AUTHENTICATION_TYPE", "Token"),
            ("POLYAXON_SSL_CA_CERT", "/etc/ca.pem"),
            ("POLYAXON_HEADER", "X"),
            ("POLYAXON_HEADER_SERVICE", "y"),
        ]))
        .resolve()
        .unwrap();
    assert_eq!(r.api.host, "http://api:8000");
    std::fs::remove_dir_all(&home).unwrap();
}

#[test]
fn debug_hides_credentials_in_the_host() {
    let s = Settings::new()
        .project("acme/mnist")
        .host("https://someone:hunter2@polyaxon.example.com")
        .env([("HOME", "/nonexistent"), ("POLYAXON_NO_CONFIG", "true")]);
    let r = s.resolve().unwrap();
    for text in [format!("{s:?}"), format!("{r:?}"), format!("{:?}", r.api)] {
        assert!(
            !text.contains("hunter2") && !text.contains("someone"),
            "{text}"
        );
        assert!(text.contains("polyaxon.example.com"), "{text}");
    }
    // The URL itself is kept: it is what the client sends.
    assert!(r.api.host.contains("hunter2"));
}

#[test]
fn a_recorder_changes_nothing_of_how_settings_resolve() {
    let managed = [
        ("HOME", "/nonexistent-home".to_owned()),
        ("POLYAXON_IS_MANAGED", "true".to_owned()),
        ("POLYAXON_RUN_INSTANCE", format!("acme.mnist.runs.{UUID}")),
        ("POLYAXON_CONTEXT_ROOT", "/ctx".to_owned()),
    ];
    for vars in [&managed[..], &managed[..1]] {
        let plain = Settings::new().env(vars.iter().cloned());
        let recorded = plain.clone().recorder(crate::testing::Recorder::new());
        let (plain, recorded) = (plain.resolve().unwrap(), recorded.resolve().unwrap());
        assert_eq!(recorded.mode, plain.mode);
        assert_eq!(recorded.implicit_offline, plain.implicit_offline);
        assert_eq!(
            recorded.artifacts_root.parent(),
            plain.artifacts_root.parent()
        );
        assert_eq!(recorded.is_new, plain.is_new);
    }
    let managed = Settings::new()
        .env(managed)
        .recorder(crate::testing::Recorder::new())
        .resolve()
        .unwrap();
    assert_eq!(managed.mode, Mode::Managed);
    assert_eq!(managed.uuid.as_deref(), Some(UUID));
}
