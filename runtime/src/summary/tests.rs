//! Summaries checked against traceml's `V1Events.get_summary` on pandas and numpy.

use super::*;
use std::borrow::Cow;

/// Deterministic generator shared with the Python script that produced the expectations.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// `(seed, n, nan_permille, inf_permille, scale_index, step_missing_permille)`.
type Case = (u64, usize, u64, u64, usize, u64);

/// `(case, expected (count, min, max) of step, expected metric stats as f64 bits)`.
type MetricCase = (Case, Option<(u64, StepBound, StepBound)>, [Option<u64>; 9]);

const SCALES: [f64; 5] = [1.0, 1e-3, 1e6, 3.0, 1e300];
const TS_FIRST: &str = "2026-11-26 03:37:34.111507+00:00";
const TS_MID: &str = "2026-11-26 03:37:34.500000+00:00";
const TS_LAST: &str = "2026-11-26 03:38:01.000001+00:00";

fn gen_rows(case: Case) -> Vec<MetricRow<'static>> {
    let (seed, n, nan_pm, inf_pm, scale_idx, step_missing_pm) = case;
    let mut r = SplitMix64(seed);
    let scale = SCALES[scale_idx];
    (0..n)
        .map(|i| {
            let u = (r.next() >> 11) as f64 * (2.0f64).powi(-53);
            let mut v = (u * 2.0 - 1.0) * scale;
            let k = r.next() % 1000;
            if k < nan_pm {
                v = f64::NAN;
            } else if k < nan_pm + inf_pm {
                v = if r.next() & 1 == 1 {
                    f64::INFINITY
                } else {
                    f64::NEG_INFINITY
                };
            }
            let s = r.next() % 1000;
            let step = if s < step_missing_pm {
                None
            } else {
                Some(i as i64 * 3 + 1)
            };
            let timestamp = if i == 0 {
                TS_FIRST
            } else if i == n - 1 {
                TS_LAST
            } else {
                TS_MID
            };
            MetricRow {
                step,
                timestamp: Cow::Borrowed(timestamp),
                value: v,
            }
        })
        .collect()
}

fn sanitized_bits(v: f64) -> Option<u64> {
    v.is_finite().then(|| v.to_bits())
}

#[test]
fn metric_stats_match_pandas() {
    for &(case, step, expected) in PY_METRIC_CASES {
        let rows = gen_rows(case);
        let s = EventFileSummary::compute("metric", &rows).unwrap();
        let got_step = s.step.map(|st| (st.count, st.min, st.max));
        assert_eq!(got_step, step, "step of {case:?}");
        let ts = s.timestamp.clone().unwrap();
        assert_eq!(ts.min, "2026-11-26T03:37:34.111507+00:00");
        let want_max = if rows.len() > 1 { TS_LAST } else { TS_FIRST };
        assert_eq!(ts.max, want_max.replace(' ', "T"));
        let stats = s.metric.unwrap();
        for ((key, got), want) in stats.entries().iter().zip(expected) {
            assert_eq!(sanitized_bits(*got), want, "{key} of {case:?}: got {got:e}");
        }
    }
}

#[test]
fn whole_summaries_match_polyaxon() {
    for &(kind, content, want) in PY_FILE_CASES {
        let got = summarize_event_file(kind, content).map(|(s, _)| s.to_json_value());
        if want == "SKIPPED" {
            assert_eq!(got, None, "{kind}: {content:?}");
        } else {
            // Same keys, same values, integers and floats kept apart (`1` vs `1.0`).
            let want: Value = serde_json::from_str(want).unwrap();
            assert_eq!(got, Some(want), "{kind}: {content:?}");
        }
    }
}

#[test]
fn json_value_matches_text() {
    let content = "step|timestamp|metric\n1|2026-11-26 03:37:34.111507+00:00|0.5\n|2026-11-26 03:37:34.111647+00:00|nan";
    let rows = parse_metric_file(content);
    let v = event_file_summary("metric", &rows);
    assert_eq!(v["step"]["min"], serde_json::json!(1.0));
    assert_eq!(v["metric"]["last"], Value::Null);
    assert_eq!(v["metric"]["std"], Value::Null);
    assert_eq!(event_file_summary("metric", &[]), Value::Null);
}

#[test]
fn parsing() {
    let rows = parse_metric_file(
        "step|timestamp|metric\n1|t1|0.5\n\n|t2|1e-05\n3|t3|nan\n4|t4|-inf\nbad\n5|t5|x\n6||1\n7.5|t|1\n8|t8|inf\r\n9|t9|",
    );
    let got: Vec<(Option<i64>, &str, String)> = rows
        .iter()
        .map(|r| (r.step, r.timestamp.as_ref(), format!("{:?}", r.value)))
        .collect();
    assert_eq!(
        got,
        vec![
            (Some(1), "t1", "0.5".to_owned()),
            (None, "t2", "1e-5".to_owned()),
            (Some(3), "t3", "NaN".to_owned()),
            (Some(4), "t4", "-inf".to_owned()),
            (Some(8), "t8", "inf".to_owned()),
            (Some(9), "t9", "NaN".to_owned()),
        ]
    );
    let rows = parse_event_file(
        "text",
        "\n{\"timestamp\": \"2026-11-26 03:37:34.114073+00:00\", \"step\": 1, \"text\": \"a|b\"}\nnot json\n{\"timestamp\": \"x\", \"step\": null, \"text\": \"\"}",
    );
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].step, Some(1));
    assert_eq!(rows[1].step, None);
    let rows = parse_event_file(
        "image",
        "step|timestamp|image\n|2026-11-26 03:37:34.111507+00:00|{\"path\":\"a|b\"}",
    );
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].step, None);
    assert!(rows[0].value.is_nan());
}

/// `((seed, n, nan_permille, inf_permille, scale_index, step_missing_permille), step summary,
/// metric stats as f64 bits)` from traceml 1.5.0 `V1Events.get_summary` on pandas 3.1.1 / numpy 2.4.6.
#[rustfmt::skip]
const PY_METRIC_CASES: &[MetricCase] = &[
    ((1, 1, 0, 0, 0, 0), Some((1, StepBound::Int(1), StepBound::Int(1))), [Some(0x3ff0000000000000), Some(0x3fc10a2dec890258), None, Some(0x3fc10a2dec890258), Some(0x3fc10a2dec890258), Some(0x3fc10a2dec890258), Some(0x3fc10a2dec890258), Some(0x3fc10a2dec890258), Some(0x3fc10a2dec890258)]),
    ((2, 2, 0, 0, 0, 0), Some((2, StepBound::Int(1), StepBound::Int(4))), [Some(0x4000000000000000), Some(0x3fd6d2ae16471fd0), Some(0x3fcf89f4f3a42a91), Some(0x3fc75835de1c9750), Some(0x3fd13f6482aab5bc), Some(0x3fd6d2ae16471fd0), Some(0x3fdc65f7a9e389e4), Some(0x3fe0fca09ebff9fc), Some(0x3fe0fca09ebff9fc)]),
    ((3, 3, 0, 0, 1, 0), Some((3, StepBound::Int(1), StepBound::Int(7))), [Some(0x4008000000000000), Some(0xbf49bedb615c6141), Some(0x3f10931189504cd0), Some(0xbf4bfe1b6587821b), Some(0xbf4aa9aac4933dc9), Some(0xbf49553a239ef977), Some(0xbf489f3b5f46d0d5), Some(0xbf47e93c9aeea833), Some(0xbf47e93c9aeea833)]),
    ((4, 4, 0, 0, 2, 0), Some((4, StepBound::Int(1), StepBound::Int(10))), [Some(0x4010000000000000), Some(0x41074a3547578b1a), Some(0x411affbaecd994a9), Some(0xc100bc02ea843f13), Some(0xc0e6c256409bbd0b), Some(0x40dcc1643cd53c10), Some(0x4110497baf8c90f0), Some(0x4129ad1fbe2b471e), Some(0x40f264e9ad24f203)]),
    ((5, 5, 0, 0, 3, 0), Some((5, StepBound::Int(1), StepBound::Int(13))), [Some(0x4014000000000000), Some(0x3fe14168d61fbebc), Some(0x40014c5f7e946c38), Some(0xc0033b513b771eee), Some(0xbfe5bd93b68558b0), Some(0x3fe3dc4f6588735c), Some(0x4001f6ca9588d06a), Some(0x40074e9ac5d53644), Some(0x4001f6ca9588d06a)]),
    ((6, 7, 0, 0, 0, 0), Some((7, StepBound::Int(1), StepBound::Int(19))), [Some(0x401c000000000000), Some(0xbfbe9662482e5f80), Some(0x3fe90df0717ee0ba), Some(0xbfedd44b9dd36abe), Some(0xbfe6757b06285d90), Some(0xbfe3469861e9cebe), Some(0x3fe48cb1ad3e4cd9), Some(0x3fea28e0b268c75a), Some(0x3fe9c039e4111dba)]),
    ((7, 8, 0, 0, 0, 0), Some((8, StepBound::Int(1), StepBound::Int(22))), [Some(0x4020000000000000), Some(0x3f878a3716b6fa90), Some(0x3fdd8ed6192b3fac), Some(0xbfe92beb8e74bf34), Some(0xbfc7ba4dae035882), Some(0x3f90a154313ab940), Some(0x3fc78bdc97e095c4), Some(0x3feac0d537d2916c), Some(0xbfe92beb8e74bf34)]),
    ((8, 9, 0, 0, 2, 0), Some((9, StepBound::Int(1), StepBound::Int(25))), [Some(0x4022000000000000), Some(0x410d79142abb5ae9), Some(0x4121288317ac0d2f), Some(0xc12652adfd546e2c), Some(0xc0fcbd8137856ff5), Some(0x4104dee931a15e42), Some(0x412781246293bec3), Some(0x412e359a49a9153a), Some(0x412e359a49a9153a)]),
    ((9, 15, 0, 0, 1, 0), Some((15, StepBound::Int(1), StepBound::Int(43))), [Some(0x402e000000000000), Some(0x3f2d1b50bc1a4221), Some(0x3f4142c02c1aa716), Some(0xbf4b77168e8d0627), Some(0xbf1d2169862b88a4), Some(0x3f331c87802e6cea), Some(0x3f450daccb4841d2), Some(0x3f4fd58e6649affc), Some(0xbf25bdbf8bb7609c)]),
    ((10, 16, 0, 0, 0, 0), Some((16, StepBound::Int(1), StepBound::Int(46))), [Some(0x4030000000000000), Some(0xbfcf93c79d1b6771), Some(0x3fe279af4dbbd87b), Some(0xbfefe6c14f218936), Some(0xbfe773529986eaa2), Some(0xbfd6ca6d5f51ca10), Some(0x3fac9d324077c600), Some(0x3feb12ae99037592), Some(0x3f94861dc8c8d100)]),
    ((11, 17, 0, 0, 3, 0), Some((17, StepBound::Int(1), StepBound::Int(49))), [Some(0x4031000000000000), Some(0x3fdd3560e43f7211), Some(0x3ffd50aa1d0f579b), Some(0xc0038b9608ef81a0), Some(0xbff1a3fa5112afee), Some(0x3feb008059ce5dea), Some(0x3ffe20c5a69fbfa4), Some(0x4005f25ca91e9160), Some(0x40058bf278996428)]),
    ((12, 100, 0, 0, 0, 0), Some((100, StepBound::Int(1), StepBound::Int(298))), [Some(0x4059000000000000), Some(0xbfa2ea9451d54b04), Some(0x3fe18f92e86cde14), Some(0xbfee6c54817b18ec), Some(0xbfe0822a818f1e96), Some(0xbfc3705ae03bdc74), Some(0x3fdbc25b9f730b79), Some(0x3fef844efe538846), Some(0x3feecb5c8855e538)]),
    ((13, 127, 0, 0, 2, 0), Some((127, StepBound::Int(1), StepBound::Int(379))), [Some(0x405fc00000000000), Some(0x40e41db76dfd86d5), Some(0x41213abb1e9dab8d), Some(0xc12e6a9d74c07bd9), Some(0xc117f4fb008771d4), Some(0x40f67142044096d7), Some(0x411e75fc3aae0dbe), Some(0x412e6866a2fda885), Some(0xc12976cf8ab8db10)]),
    ((14, 128, 0, 0, 0, 0), Some((128, StepBound::Int(1), StepBound::Int(382))), [Some(0x4060000000000000), Some(0xbfa20cee03ba7234), Some(0x3fe34e0fffb701a8), Some(0xbfeff8393483aea8), Some(0xbfe10b20e8c1c9c7), Some(0xbfb44140781bd530), Some(0x3fe08661c5a4e7a4), Some(0x3fefea2163a710ca), Some(0x3fba56b333521320)]),
    ((15, 129, 0, 0, 1, 0), Some((129, StepBound::Int(1), StepBound::Int(385))), [Some(0x4060200000000000), Some(0xbf16656c4c5dda5c), Some(0x3f42ee90ca4d5bb1), Some(0xbf4fb68b5a9c2e2b), Some(0xbf457718d971d671), Some(0xbf2308f04807f452), Some(0x3f396b49eee07f06), Some(0x3f5011e8a243294f), Some(0x3f10ab65f45224dd)]),
    ((16, 255, 0, 0, 0, 0), Some((255, StepBound::Int(1), StepBound::Int(763))), [Some(0x406fe00000000000), Some(0xbfa1d02443e21a3a), Some(0x3fe2b144f45ed069), Some(0xbfefde6a99593c40), Some(0xbfe0b2c78f822036), Some(0xbfa24f1ba2270500), Some(0x3fd9b4a33700b12a), Some(0x3fef7b1e9364e9ea), Some(0xbfda18670191e6b4)]),
    ((17, 256, 0, 0, 3, 0), Some((256, StepBound::Int(1), StepBound::Int(766))), [Some(0x4070000000000000), Some(0xbfcb76235a6e9196), Some(0x3ffbfc82073b6d00), Some(0xc007f889b072fd66), Some(0xbffb7e70a52d49ac), Some(0xbfd39f92c80c6eb0), Some(0x3ff53ad089957ef2), Some(0x4007bf04b98dc6d0), Some(0xbff81521ab0ae6bd)]),
    ((18, 257, 0, 0, 0, 0), Some((257, StepBound::Int(1), StepBound::Int(769))), [Some(0x4070100000000000), Some(0x3fa34a1e8eb3aff3), Some(0x3fe3c70a041b3a0d), Some(0xbfef9d3b0b44882a), Some(0xbfdee32800a8d870), Some(0x3fb0a705cd5ec920), Some(0x3fe35060284444d2), Some(0x3feff9c855f92f1e), Some(0x3fdf5f550052bad0)]),
    ((19, 1000, 0, 0, 2, 0), Some((1000, StepBound::Int(1), StepBound::Int(2998))), [Some(0x408f400000000000), Some(0xc0dcb1296963d3bd), Some(0x412127109633f71e), Some(0xc12e6ac7eacae3f9), Some(0xc11ef6750bf733df), Some(0xc0e9d02ddb0437aa), Some(0x411b21826c48014e), Some(0x412e532fd54acb6e), Some(0xc1214e97a2a8abc2)]),
    ((20, 4099, 0, 0, 0, 0), Some((4099, StepBound::Int(1), StepBound::Int(12295))), [Some(0x40b0030000000000), Some(0xbf8bff8a1294d44d), Some(0x3fe2853a20b4e8d3), Some(0xbfeff8cad5ed14f6), Some(0xbfe08d16116b3317), Some(0xbf92c4a7d9286200), Some(0x3fde877d1e711a84), Some(0x3feff49b9de73c98), Some(0xbfeddfc6cd9e23b2)]),
    ((21, 10007, 0, 0, 3, 0), Some((10007, StepBound::Int(1), StepBound::Int(30019))), [Some(0x40c38b8000000000), Some(0x3f949b6603800bdb), Some(0x3ffbc9209011f21b), Some(0xc007ff100e062bf9), Some(0xbff7a6c6c6520da4), Some(0x3f92a3c663c6bf00), Some(0x3ff889f6068d92d0), Some(0x4007fe87b0bd399c), Some(0x3ffe9d044537a8a5)]),
    ((22, 65536, 0, 0, 0, 0), Some((65536, StepBound::Int(1), StepBound::Int(196606))), [Some(0x40f0000000000000), Some(0x3f3b581d33928ff8), Some(0x3fe27312be36e8ad), Some(0xbfeffff851998e34), Some(0xbfdfd32c3dca8fe4), Some(0x3f62b2d3e9e88800), Some(0x3fdfd615503f4c13), Some(0x3feffffcc54ca40c), Some(0xbfe62bd7244ac7c2)]),
    ((23, 100003, 0, 0, 2, 0), Some((100003, StepBound::Int(1), StepBound::Int(300007))), [Some(0x40f86a3000000000), Some(0xc0ac07bdfa5192bd), Some(0x412199564481bdf9), Some(0xc12e847dfd2b58ff), Some(0xc11e9b634bc6b253), Some(0xc0b562a010b531ee), Some(0x411e3d063e76ea2a), Some(0x412e845dea9422dc), Some(0xc12e39fe69859df2)]),
    ((24, 1000000, 0, 0, 3, 0), Some((1000000, StepBound::Int(1), StepBound::Int(2999998))), [Some(0x412e848000000000), Some(0xbf424d77c9a59855), Some(0x3ffbb80db5f1f28d), Some(0xc007fffd8ef1fa5c), Some(0xbff8006f4111d95a), Some(0xbf55bc256e62da00), Some(0x3ff8018e211eaa6e), Some(0x4007fffeec07ae16), Some(0xbfe1316fb3d2a852)]),
    ((25, 50, 100, 0, 0, 0), Some((50, StepBound::Int(1), StepBound::Int(148))), [Some(0x4048000000000000), Some(0x3fa54581579212d1), Some(0x3fe2f9ede44f8545), Some(0xbfeea1048b4046f0), Some(0xbfd9fa03c22676e8), Some(0xbfb404d7c7ad04c0), Some(0x3fe47042c28f99aa), Some(0x3fed1b238ffb9c28), Some(0x3fe955c852846cf8)]),
    ((26, 500, 300, 0, 3, 0), Some((500, StepBound::Int(1), StepBound::Int(1498))), [Some(0x4075b00000000000), Some(0xbfabc48a62e3570a), Some(0x3ffbf36deb0850b7), Some(0xc007de254490537c), Some(0xbff8edb9b3c8f54f), Some(0xbfc7236e59477b80), Some(0x3ff7adbaa59dc05e), Some(0x4007ff05b9549096), Some(0xbfdc8b0876b41b58)]),
    ((27, 3000, 50, 0, 2, 200), Some((2366, StepBound::Float(1.0), StepBound::Float(8998.0))), [Some(0x40a6280000000000), Some(0xc0a03f1aa9771b8a), Some(0x41218ca8a1581cf7), Some(0xc12e7989939b6841), Some(0xc11f2159e6935bda), Some(0xc0b7b7e038750cfe), Some(0x411e9ef3ad257e0b), Some(0x412e6eb7176c4c4e), Some(0xc1103b43a2549e1f)]),
    ((28, 10, 500, 0, 0, 500), Some((8, StepBound::Float(1.0), StepBound::Float(28.0))), [Some(0x4010000000000000), Some(0xbfdca28b41d33a27), Some(0x3fcdf5e897fc1567), Some(0xbfe91ccb9738307a), Some(0xbfdf2092fc9af53a), Some(0xbfd85d89878164de), Some(0xbfd5df81ccb9a9cb), Some(0xbfcf2b0593b37bd8), Some(0xbfd8c2e6ebfe7bfc)]),
    ((29, 20, 0, 100, 0, 0), Some((20, StepBound::Int(1), StepBound::Int(58))), [Some(0x4034000000000000), None, None, None, Some(0xbfdcdf2e7a4c29bd), Some(0x3fbcfb2d8a65c4c8), Some(0x3fd8c3075370a4bd), None, Some(0x3feba7acb21ff68e)]),
    ((30, 200, 30, 30, 3, 100), Some((178, StepBound::Float(1.0), StepBound::Float(598.0))), [Some(0x4068200000000000), None, None, None, Some(0xbff8ab572f11b585), Some(0xbfc3d222bccbf900), Some(0x3ff691a6519f9420), None, Some(0xbfec379932ad1032)]),
    ((31, 5, 1000, 0, 0, 0), Some((5, StepBound::Int(1), StepBound::Int(13))), [Some(0x0000000000000000), None, None, None, None, None, None, None, None]),
    ((32, 1, 1000, 0, 0, 1000), None, [Some(0x0000000000000000), None, None, None, None, None, None, None, None]),
    ((33, 2, 0, 1000, 0, 0), Some((2, StepBound::Int(1), StepBound::Int(4))), [Some(0x4000000000000000), None, None, None, None, None, None, None, None]),
    ((34, 40, 0, 0, 4, 0), Some((40, StepBound::Int(1), StepBound::Int(118))), [Some(0x4044000000000000), Some(0xfdea26affa54005a), None, Some(0xfe3768d8a59a6cd9), Some(0xfe279ad3334cee70), Some(0x7dbb2925db5d3d02), Some(0x7e2210327068a6f0), Some(0x7e37c4be7a608563), Some(0x7ddfbb14cf2c811d)]),
    ((35, 12345, 10, 0, 4, 0), Some((12345, StepBound::Int(1), StepBound::Int(37033))), [Some(0x40c7de0000000000), Some(0x7d5a12e996409492), None, Some(0xfe37e1b370405fce), Some(0xfe2872ddfb653fe2), Some(0xfda30f41b44b344a), Some(0x7e281a3ea5446825), Some(0x7e37e33b28dd5cfc), Some(0xfe12b113f31fb414)]),
    ((36, 30000, 0, 0, 1, 999), Some((28, StepBound::Null, StepBound::Null)), [Some(0x40dd4c0000000000), Some(0x3ed317a750fefc6f), Some(0x3f42dc5327424302), Some(0xbf5061f83f5b709e), Some(0xbf4034f45e3ae46a), Some(0x3ecc0a40f8bab43a), Some(0x3f406a585af534db), Some(0x3f5061cc6b45d5ac), Some(0xbf309022aa9cb825)]),
    ((37, 6, 0, 0, 0, 1000), None, [Some(0x4018000000000000), Some(0xbfc5c66bcde47d7f), Some(0x3fe196ccb70a7a4b), Some(0xbfee1e5a455bc340), Some(0xbfdef59b3e0396aa), Some(0xbfc7047ccf1cb988), Some(0x3fc78d5c789591a4), Some(0x3fe1ead5815f236a), Some(0xbfcab4c27f495c20)]),
    ((38, 131, 0, 0, 0, 0), Some((131, StepBound::Int(1), StepBound::Int(391))), [Some(0x4060600000000000), Some(0xbfba0027de8aa668), Some(0x3fe1890ff309502a), Some(0xbfef69bb11f84240), Some(0xbfe1ec6104756143), Some(0xbfb9b63e6b4e4dc0), Some(0x3fd3185c96fbf998), Some(0x3fee4bacf12fec1c), Some(0xbfee5b0096c5263a)]),
    ((39, 300000, 100, 0, 3, 0), Some((300000, StepBound::Int(1), StepBound::Int(899998))), [Some(0x411079c000000000), Some(0x3f576f32ec9fdb02), Some(0x3ffba2e18ead5696), Some(0xc007ffef43a8e4e8), Some(0xbff7ccded3fb696e), Some(0x3f3cdbee409cf000), Some(0x3ff7e50fbb5781c7), Some(0x4007ffd96b57cb56), None]),
    ((40, 9, 0, 300, 3, 0), Some((9, StepBound::Int(1), StepBound::Int(25))), [Some(0x4022000000000000), None, None, None, Some(0xbffb847ebbdb436a), Some(0x3fe09b174319ee6a), None, None, None]),
];

/// `(kind, file content, orjson of get_summary() or SKIPPED)` from traceml 1.5.0 on pandas 3.1.
#[rustfmt::skip]
const PY_FILE_CASES: &[(&str, &str, &str)] = &[
    ("metric", "step|timestamp|metric\n1|2026-11-26 03:37:34.111507+00:00|0.5\n2|2026-11-26 03:37:34.111647+00:00|0.4", "{\"is_event\":true,\"step\":{\"count\":2,\"min\":1,\"max\":2},\"timestamp\":{\"min\":\"2026-11-26T03:37:34.111507+00:00\",\"max\":\"2026-11-26T03:37:34.111647+00:00\"},\"metric\":{\"count\":2.0,\"mean\":0.45,\"std\":0.07071067811865474,\"min\":0.4,\"25%\":0.42500000000000004,\"50%\":0.45,\"75%\":0.475,\"max\":0.5,\"last\":0.4}}"),
    ("metric", "step|timestamp|metric\n1|2026-11-26 03:37:34.111507+00:00|0.5\n2|2026-11-26 03:37:35+00:00|0.4", "{\"is_event\":true,\"step\":{\"count\":2,\"min\":1,\"max\":2},\"metric\":{\"count\":2.0,\"mean\":0.45,\"std\":0.07071067811865474,\"min\":0.4,\"25%\":0.42500000000000004,\"50%\":0.45,\"75%\":0.475,\"max\":0.5,\"last\":0.4}}"),
    ("metric", "step|timestamp|metric\n1|2026-11-26 03:37:35+00:00|0.5\n2|2026-11-26 03:37:34.111507+00:00|0.4", "{\"is_event\":true,\"step\":{\"count\":2,\"min\":1,\"max\":2},\"metric\":{\"count\":2.0,\"mean\":0.45,\"std\":0.07071067811865474,\"min\":0.4,\"25%\":0.42500000000000004,\"50%\":0.45,\"75%\":0.475,\"max\":0.5,\"last\":0.4}}"),
    ("metric", "step|timestamp|metric\n7|2026-11-26 03:37:35+00:00|2.0", "{\"is_event\":true,\"step\":{\"count\":1,\"min\":7,\"max\":7},\"timestamp\":{\"min\":\"2026-11-26T03:37:35+00:00\",\"max\":\"2026-11-26T03:37:35+00:00\"},\"metric\":{\"count\":1.0,\"mean\":2.0,\"std\":null,\"min\":2.0,\"25%\":2.0,\"50%\":2.0,\"75%\":2.0,\"max\":2.0,\"last\":2.0}}"),
    ("metric", "step|timestamp|metric\n1|2026-11-26 03:37:34.111507+00:00|0.1\n|2026-11-26 03:37:34.111647+00:00|0.2\n3|2026-11-26 03:38:00.5+00:00|0.30000000000000004", "{\"is_event\":true,\"step\":{\"count\":2,\"min\":1.0,\"max\":3.0},\"timestamp\":{\"min\":\"2026-11-26T03:37:34.111507+00:00\",\"max\":\"2026-11-26T03:38:00.500000+00:00\"},\"metric\":{\"count\":3.0,\"mean\":0.20000000000000004,\"std\":0.10000000000000003,\"min\":0.1,\"25%\":0.15000000000000002,\"50%\":0.2,\"75%\":0.25,\"max\":0.30000000000000004,\"last\":0.30000000000000004}}"),
    ("metric", "step|timestamp|metric\n|2026-11-26 03:37:34.111507+00:00|0.1\n2|2026-11-26 03:37:34.111647+00:00|0.2\n3|2026-11-26 03:38:00.5+00:00|100.0", "{\"is_event\":true,\"step\":{\"count\":2,\"min\":null,\"max\":3.0},\"timestamp\":{\"min\":\"2026-11-26T03:37:34.111507+00:00\",\"max\":\"2026-11-26T03:38:00.500000+00:00\"},\"metric\":{\"count\":3.0,\"mean\":33.43333333333333,\"std\":57.64844606173988,\"min\":0.1,\"25%\":0.15000000000000002,\"50%\":0.2,\"75%\":50.1,\"max\":100.0,\"last\":100.0}}"),
    ("metric", "step|timestamp|metric\n1|2026-11-26 03:37:34.111507+00:00|0.1\n2|2026-11-26 03:37:34.111647+00:00|0.2\n|2026-11-26 03:38:00.5+00:00|-2.5", "{\"is_event\":true,\"step\":{\"count\":2,\"min\":1.0,\"max\":null},\"timestamp\":{\"min\":\"2026-11-26T03:37:34.111507+00:00\",\"max\":\"2026-11-26T03:38:00.500000+00:00\"},\"metric\":{\"count\":3.0,\"mean\":-0.7333333333333334,\"std\":1.5307950004273378,\"min\":-2.5,\"25%\":-1.2,\"50%\":0.1,\"75%\":0.15000000000000002,\"max\":0.2,\"last\":-2.5}}"),
    ("metric", "step|timestamp|metric\n|2026-11-26 03:37:34.111507+00:00|3.5\n|2026-11-26 03:37:34.111647+00:00|12.25\n|2026-11-26 03:38:00.5+00:00|1.0", "{\"is_event\":true,\"timestamp\":{\"min\":\"2026-11-26T03:37:34.111507+00:00\",\"max\":\"2026-11-26T03:38:00.500000+00:00\"},\"metric\":{\"count\":3.0,\"mean\":5.583333333333333,\"std\":5.907269532815761,\"min\":1.0,\"25%\":2.25,\"50%\":3.5,\"75%\":7.875,\"max\":12.25,\"last\":1.0}}"),
    ("metric", "step|timestamp|metric\n1|2026-11-26 03:37:34.111507+00:00|0.5\n2|2026-11-26 03:37:34.111647+00:00|nan", "{\"is_event\":true,\"step\":{\"count\":2,\"min\":1,\"max\":2},\"timestamp\":{\"min\":\"2026-11-26T03:37:34.111507+00:00\",\"max\":\"2026-11-26T03:37:34.111647+00:00\"},\"metric\":{\"count\":1.0,\"mean\":0.5,\"std\":null,\"min\":0.5,\"25%\":0.5,\"50%\":0.5,\"75%\":0.5,\"max\":0.5,\"last\":null}}"),
    ("metric", "step|timestamp|metric\n1|2026-11-26 03:37:34.111507+00:00|nan\n2|2026-11-26 03:37:34.111647+00:00|nan", "{\"is_event\":true,\"step\":{\"count\":2,\"min\":1,\"max\":2},\"timestamp\":{\"min\":\"2026-11-26T03:37:34.111507+00:00\",\"max\":\"2026-11-26T03:37:34.111647+00:00\"},\"metric\":{\"count\":0.0,\"mean\":null,\"std\":null,\"min\":null,\"25%\":null,\"50%\":null,\"75%\":null,\"max\":null,\"last\":null}}"),
    ("metric", "step|timestamp|metric\n1|2026-11-26 03:37:34.111507+00:00|1.0\n2|2026-11-26 03:37:34.111647+00:00|inf\n3|2026-11-26 03:38:00.5+00:00|2.0\n4|2026-11-26 03:38:00.5+00:00|3.0\n5|2026-11-26 03:38:00.5+00:00|4.0", "{\"is_event\":true,\"step\":{\"count\":5,\"min\":1,\"max\":5},\"timestamp\":{\"min\":\"2026-11-26T03:37:34.111507+00:00\",\"max\":\"2026-11-26T03:38:00.500000+00:00\"},\"metric\":{\"count\":5.0,\"mean\":null,\"std\":null,\"min\":1.0,\"25%\":2.0,\"50%\":3.0,\"75%\":null,\"max\":null,\"last\":4.0}}"),
    ("metric", "step|timestamp|metric\n1|2026-11-26 03:37:34.111507+00:00|-inf\n2|2026-11-26 03:37:34.111647+00:00|1.5\n3|2026-11-26 03:38:00.5+00:00|2.5", "{\"is_event\":true,\"step\":{\"count\":3,\"min\":1,\"max\":3},\"timestamp\":{\"min\":\"2026-11-26T03:37:34.111507+00:00\",\"max\":\"2026-11-26T03:38:00.500000+00:00\"},\"metric\":{\"count\":3.0,\"mean\":null,\"std\":null,\"min\":null,\"25%\":null,\"50%\":1.5,\"75%\":2.0,\"max\":2.5,\"last\":2.5}}"),
    ("metric", "step|timestamp|metric", "SKIPPED"),
    ("metric", "step|timestamp|metric\n1|2026-11-26 03:37:34.111507|0.5\n2|2026-11-26 03:37:35.000001|0.25", "{\"is_event\":true,\"step\":{\"count\":2,\"min\":1,\"max\":2},\"timestamp\":{\"min\":\"2026-11-26T03:37:34.111507\",\"max\":\"2026-11-26T03:37:35.000001\"},\"metric\":{\"count\":2.0,\"mean\":0.375,\"std\":0.1767766952966369,\"min\":0.25,\"25%\":0.3125,\"50%\":0.375,\"75%\":0.4375,\"max\":0.5,\"last\":0.25}}"),
    ("metric", "step|timestamp|metric\n1|2026-11-26 03:37:34.111507+00:00|0.5\n2|2026-11-26 05:37:34.111507+02:00|0.25", "{\"is_event\":true,\"step\":{\"count\":2,\"min\":1,\"max\":2},\"metric\":{\"count\":2.0,\"mean\":0.375,\"std\":0.1767766952966369,\"min\":0.25,\"25%\":0.3125,\"50%\":0.375,\"75%\":0.4375,\"max\":0.5,\"last\":0.25}}"),
    ("metric", "step|timestamp|metric\n1|2026-11-26 03:37:34.111507-05:30|0.5\n2|2026-11-26 03:37:35.111507-05:30|0.25", "{\"is_event\":true,\"step\":{\"count\":2,\"min\":1,\"max\":2},\"timestamp\":{\"min\":\"2026-11-26T03:37:34.111507-05:30\",\"max\":\"2026-11-26T03:37:35.111507-05:30\"},\"metric\":{\"count\":2.0,\"mean\":0.375,\"std\":0.1767766952966369,\"min\":0.25,\"25%\":0.3125,\"50%\":0.375,\"75%\":0.4375,\"max\":0.5,\"last\":0.25}}"),
    ("metric", "step|timestamp|metric\n1|2026-11-26 03:37:34.111507+00:00|12345.678\n2|2026-11-26 03:37:34.111647+00:00|-0.001\n3|2026-11-26 03:38:00.5+00:00|0.0\n4|2026-11-26 03:38:00.5+00:00|-0.0\n5|2026-11-26 03:38:00.5+00:00|42.0\n6|2026-11-26 03:38:00.5+00:00|0.125", "{\"is_event\":true,\"step\":{\"count\":6,\"min\":1,\"max\":6},\"timestamp\":{\"min\":\"2026-11-26T03:37:34.111507+00:00\",\"max\":\"2026-11-26T03:38:00.500000+00:00\"},\"metric\":{\"count\":6.0,\"mean\":2064.6336666666666,\"std\":5036.690505284385,\"min\":-0.001,\"25%\":0.0,\"50%\":0.0625,\"75%\":31.53125,\"max\":12345.678,\"last\":0.125}}"),
    ("metric", "step|timestamp|metric\n1|2026-11-26 03:37:34.111507+00:00|0.5\r\n2|2026-11-26 03:37:34.111647+00:00|0.75", "{\"is_event\":true,\"step\":{\"count\":2,\"min\":1,\"max\":2},\"timestamp\":{\"min\":\"2026-11-26T03:37:34.111507+00:00\",\"max\":\"2026-11-26T03:37:34.111647+00:00\"},\"metric\":{\"count\":2.0,\"mean\":0.625,\"std\":0.1767766952966369,\"min\":0.5,\"25%\":0.5625,\"50%\":0.625,\"75%\":0.6875,\"max\":0.75,\"last\":0.75}}"),
    ("metric", "step|timestamp|metric\n1|2026-11-26 03:37:34.111507+00:00|0.5\n\n2|2026-11-26 03:37:34.111647+00:00|0.75", "{\"is_event\":true,\"step\":{\"count\":2,\"min\":1,\"max\":2},\"timestamp\":{\"min\":\"2026-11-26T03:37:34.111507+00:00\",\"max\":\"2026-11-26T03:37:34.111647+00:00\"},\"metric\":{\"count\":2.0,\"mean\":0.625,\"std\":0.1767766952966369,\"min\":0.5,\"25%\":0.5625,\"50%\":0.625,\"75%\":0.6875,\"max\":0.75,\"last\":0.75}}"),
    ("metric", "step|timestamp|metric\n1000000000000|2026-11-26 03:37:34.111507+00:00|0.5\n|2026-11-26 03:37:34.111647+00:00|0.75\n-3|2026-11-26 03:38:00.5+00:00|1.25", "{\"is_event\":true,\"step\":{\"count\":2,\"min\":1000000000000.0,\"max\":-3.0},\"timestamp\":{\"min\":\"2026-11-26T03:37:34.111507+00:00\",\"max\":\"2026-11-26T03:38:00.500000+00:00\"},\"metric\":{\"count\":3.0,\"mean\":0.8333333333333334,\"std\":0.38188130791298663,\"min\":0.5,\"25%\":0.625,\"50%\":0.75,\"75%\":1.0,\"max\":1.25,\"last\":1.25}}"),
    ("image", "step|timestamp|image\n|2026-11-26 03:37:34.111507+00:00|{\"height\":8,\"width\":8,\"colorspace\":3,\"path\":\"assets/image/img_1.png\"}", "{\"is_event\":true,\"timestamp\":{\"min\":\"2026-11-26T03:37:34.111507+00:00\",\"max\":\"2026-11-26T03:37:34.111507+00:00\"}}"),
    ("histogram", "step|timestamp|histogram\n1|2026-11-26 03:37:34.111507+00:00|{\"values\":[1,2],\"counts\":[3,4]}\n2|2026-11-26 03:37:34.111647+00:00|{\"values\":[1,2],\"counts\":[3,4]}", "{\"is_event\":true,\"step\":{\"count\":2,\"min\":1,\"max\":2},\"timestamp\":{\"min\":\"2026-11-26T03:37:34.111507+00:00\",\"max\":\"2026-11-26T03:37:34.111647+00:00\"}}"),
    ("confusion", "step|timestamp|confusion\n1|2026-11-26 03:37:34.111507+00:00|{\"x\":[\"a\",\"b\"],\"y\":[\"a\",\"b\"],\"z\":[[1,0],[0,1]]}\n|2026-11-26 03:37:35+00:00|{\"x\":[\"a\"],\"y\":[\"a\"],\"z\":[[1]]}", "{\"is_event\":true,\"step\":{\"count\":1,\"min\":1.0,\"max\":null}}"),
    ("text", "\n{\"timestamp\": \"2026-11-26 03:37:34.111507+00:00\", \"step\": 1, \"text\": \"hello world\"}\n{\"timestamp\": \"2026-11-26 03:37:35+00:00\", \"step\": 3, \"text\": \"hello\"}", "{\"is_event\":true,\"step\":{\"count\":2,\"min\":1,\"max\":3},\"timestamp\":{\"min\":\"2026-11-26T03:37:34.111507+00:00\",\"max\":\"2026-11-26T03:37:35+00:00\"}}"),
    ("html", "\n{\"timestamp\": \"2026-11-26 03:37:34.111507+00:00\", \"step\": null, \"html\": \"<b>x</b>\"}\n{\"timestamp\": \"2026-11-26 03:38:00.5+00:00\", \"step\": 3, \"html\": \"y\"}", "{\"is_event\":true,\"step\":{\"count\":1,\"min\":null,\"max\":3.0},\"timestamp\":{\"min\":\"2026-11-26T03:37:34.111507+00:00\",\"max\":\"2026-11-26T03:38:00.500000+00:00\"}}"),
    ("span", "\n{\"timestamp\": \"2026-11-26 03:37:34.111507+00:00\", \"step\": null, \"span\": \"{}\"}\n{\"timestamp\": \"2026-11-26 03:37:34.111647+00:00\", \"step\": null, \"span\": \"{}\"}", "{\"is_event\":true,\"timestamp\":{\"min\":\"2026-11-26T03:37:34.111507+00:00\",\"max\":\"2026-11-26T03:37:34.111647+00:00\"}}"),
    ("chart", "\n{\"timestamp\": \"2026-11-26 03:37:34.111507+00:00\", \"step\": 5, \"chart\": \"{}\"}\n{\"timestamp\": \"2026-11-26 05:37:34.111507+02:00\", \"step\": 6, \"chart\": \"{}\"}", "{\"is_event\":true,\"step\":{\"count\":2,\"min\":5,\"max\":6}}"),
    ("text", "\n{\"timestamp\": \"2026-11-26 03:37:34\", \"step\": 2, \"text\": \"a\"}", "{\"is_event\":true,\"step\":{\"count\":1,\"min\":2,\"max\":2},\"timestamp\":{\"min\":\"2026-11-26T03:37:34\",\"max\":\"2026-11-26T03:37:34\"}}"),
];
