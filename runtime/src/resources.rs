//! Resource metrics (`POLYAXON_COLLECT_RESOURCES`): `resources/metric/<name>.plx` rows with no
//! step, every 10 s from the start, as Polyaxon's resource writer samples them with psutil and
//! NVML: `load` (1-minute load average), `cpu` (percent busy since the last sample, all CPUs),
//! `memory` (percent of memory in use) and, where `nvidia-smi` answers,
//! `gpu_<i>_memory_free`, `gpu_<i>_memory_used` (bytes) and `gpu_<i>_utilization` (percent).
//!
//! The sampler is its own thread, so a slow sample (a wedged `nvidia-smi`) never delays the
//! writer; it hands each [`Sample`] to the run's writer, which writes the rows with every
//! other row of the run. It reads `/proc` (Linux); elsewhere only GPU metrics are sampled.

use crate::timestamp::Timestamp;
use std::process::{Command, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

/// Polyaxon's sampling interval.
pub(crate) const INTERVAL: Duration = Duration::from_secs(10);

/// The longest `nvidia-smi` may take before it is killed (a wedged driver can hang it).
const GPU_QUERY_TIMEOUT: Duration = Duration::from_secs(5);

/// The values of one sample, all taken at `timestamp`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Sample {
    pub timestamp: Timestamp,
    /// `(name, value)`: `load`, `cpu`, `memory`, `gpu_<i>_...`.
    pub values: Vec<(String, f64)>,
}

/// A running sampler; [`Sampler::stop`] ends it after its current sample.
pub(crate) struct Sampler {
    stop: Sender<()>,
    done: Receiver<()>,
    thread: JoinHandle<()>,
}

impl Sampler {
    /// Starts sampling every `interval`, from now, handing each sample to `deliver`.
    pub(crate) fn start(
        mut deliver: impl FnMut(Sample) + Send + 'static,
        interval: Duration,
    ) -> Result<Sampler, crate::error::Error> {
        let (stop, stopped) = channel();
        let (finished, done) = channel();
        let thread = std::thread::Builder::new()
            .name("polytrack-resources".into())
            .spawn(move || {
                let _finished = Finished(finished);
                let mut probe = Probe::new();
                loop {
                    let sample = probe.sample();
                    if !sample.values.is_empty() {
                        deliver(sample);
                    }
                    match stopped.recv_timeout(interval) {
                        Err(RecvTimeoutError::Timeout) => continue,
                        _ => break,
                    }
                }
            })
            .map_err(|e| crate::error::Error::io("cannot start the resource sampler", e))?;
        Ok(Sampler { stop, done, thread })
    }

    /// Stops the sampler and waits for its last sample to be handed over, at most `timeout`
    /// (a sample stuck in `nvidia-smi` is left to finish on its own).
    pub(crate) fn stop(self, timeout: Duration) {
        let _ = self.stop.send(());
        match self.done.recv_timeout(timeout) {
            Err(RecvTimeoutError::Timeout) => {
                log::warn!(
                    target: "polytrack",
                    "the resource sampler did not stop within {timeout:?}"
                );
            }
            _ => {
                if self.thread.join().is_err() {
                    log::error!(target: "polytrack", "the resource sampler panicked");
                }
            }
        }
    }
}

/// Says the sampler thread has finished, however it ends.
struct Finished(Sender<()>);

impl Drop for Finished {
    fn drop(&mut self) {
        let _ = self.0.send(());
    }
}

/// What the sampler reads, and what it remembers between samples.
struct Probe {
    cpu: CpuCounter,
    gpu: bool,
}

impl Probe {
    fn new() -> Self {
        Probe {
            cpu: CpuCounter::new(),
            gpu: true,
        }
    }

    fn sample(&mut self) -> Sample {
        let timestamp = Timestamp::now();
        let mut values: Vec<(String, f64)> = Vec::new();
        if let Some(load) = load_average() {
            values.push(("load".into(), load));
        }
        if let Some(busy) = self.cpu.percent() {
            values.push(("cpu".into(), busy));
        }
        if let Some(mem) = memory_percent() {
            values.push(("memory".into(), mem));
        }
        if self.gpu {
            match gpu_metrics() {
                Some(gpu) => values.extend(gpu),
                None => self.gpu = false,
            }
        }
        Sample { timestamp, values }
    }
}

/// `os.getloadavg()[0]`.
fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// `psutil.virtual_memory().percent`: (total - available) / total.
fn memory_percent() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let field = |name: &str| -> Option<f64> {
        text.lines()
            .find(|l| l.starts_with(name))?
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()
    };
    let total = field("MemTotal:")?;
    let available = field("MemAvailable:")?;
    (total > 0.0).then(|| ((total - available) / total * 1000.0).round() / 10.0)
}

/// `psutil.cpu_percent()`: the share of time not idle since the previous call, over all CPUs.
struct CpuCounter {
    last: Option<(u64, u64)>,
}

impl CpuCounter {
    fn new() -> Self {
        CpuCounter { last: read_cpu() }
    }

    fn percent(&mut self) -> Option<f64> {
        let (total, idle) = read_cpu()?;
        let result = match self.last {
            Some((t0, i0)) if total > t0 => {
                let busy = (total - t0).saturating_sub(idle.saturating_sub(i0));
                Some((busy as f64 / (total - t0) as f64 * 1000.0).round() / 10.0)
            }
            _ => Some(0.0),
        };
        self.last = Some((total, idle));
        result
    }
}

/// Total and idle (idle + iowait) jiffies from the `cpu` line of `/proc/stat`.
fn read_cpu() -> Option<(u64, u64)> {
    let text = std::fs::read_to_string("/proc/stat").ok()?;
    let line = text.lines().find(|l| l.starts_with("cpu "))?;
    let fields: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|f| f.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal (guest time is already in user/nice).
    let total: u64 = fields.iter().take(8).sum();
    let idle = fields.get(3)? + fields.get(4).copied().unwrap_or(0);
    Some((total, idle))
}

/// GPU metrics through `nvidia-smi` (NVML's command-line face), or `None` when there is no
/// NVIDIA driver.
fn gpu_metrics() -> Option<Vec<(String, f64)>> {
    let mut child = Command::new("nvidia-smi")
        .args([
            "--query-gpu=index,memory.free,memory.used,utilization.gpu",
            "--format=csv,noheader,nounits",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let started = std::time::Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => break,
            Ok(Some(_)) | Err(_) => return None,
            Ok(None) if started.elapsed() > GPU_QUERY_TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                log::warn!(
                    target: "polytrack",
                    "nvidia-smi did not answer in {GPU_QUERY_TIMEOUT:?}"
                );
                return None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
    let mut text = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take()?, &mut text).ok()?;
    parse_nvidia_smi(&text)
}

/// Parses `index, free MiB, used MiB, utilization %` lines.
fn parse_nvidia_smi(text: &str) -> Option<Vec<(String, f64)>> {
    let mut values = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split(',').map(str::trim).collect();
        let [index, free, used, util] = cols.as_slice() else {
            return None;
        };
        let mib = |s: &str| s.parse::<f64>().ok().map(|v| v * 1024.0 * 1024.0);
        values.push((format!("gpu_{index}_memory_free"), mib(free)?));
        values.push((format!("gpu_{index}_memory_used"), mib(used)?));
        if let Ok(u) = util.parse::<f64>() {
            values.push((format!("gpu_{index}_utilization"), u));
        }
    }
    (!values.is_empty()).then_some(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nvidia_smi() {
        let v = parse_nvidia_smi("0, 80000, 1024, 37\n1, 10, 20, [N/A]\n").unwrap();
        assert_eq!(v[0], ("gpu_0_memory_free".into(), 80000.0 * 1048576.0));
        assert_eq!(v[1], ("gpu_0_memory_used".into(), 1024.0 * 1048576.0));
        assert_eq!(v[2], ("gpu_0_utilization".into(), 37.0));
        assert_eq!(v.len(), 5);
        assert!(parse_nvidia_smi("garbage").is_none());
        // What an idle H200 answered (checked on the GPU machine, 2026-11-26).
        let h200 = parse_nvidia_smi("0, 143156, 0, 0\n").unwrap();
        assert_eq!(h200[0].1, 143_156.0 * 1048576.0);
        assert_eq!(h200[2], ("gpu_0_utilization".into(), 0.0));
    }

    /// With an NVIDIA driver (the GPU machine), the sampler reads every GPU; without one it
    /// samples none and says so by returning `None`.
    #[test]
    fn gpu_metrics_follow_the_driver() {
        let driver = Command::new("nvidia-smi")
            .arg("-L")
            .output()
            .is_ok_and(|o| o.status.success());
        match gpu_metrics() {
            Some(values) => {
                assert!(driver);
                let used = values
                    .iter()
                    .find(|(n, _)| n == "gpu_0_memory_used")
                    .map(|(_, v)| *v)
                    .expect("gpu_0_memory_used");
                let free = values
                    .iter()
                    .find(|(n, _)| n == "gpu_0_memory_free")
                    .map(|(_, v)| *v)
                    .expect("gpu_0_memory_free");
                assert!(used + free > 1e9, "{values:?}");
                eprintln!("sampled {values:?}");
            }
            None => assert!(!driver, "nvidia-smi works but no GPU metric was read"),
        }
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn samples_proc() {
        assert!(load_average().is_some());
        let mem = memory_percent().unwrap();
        assert!((0.0..=100.0).contains(&mem));
        let mut cpu = CpuCounter::new();
        let busy = cpu.percent().unwrap();
        assert!((0.0..=100.0).contains(&busy));
    }

    #[test]
    fn sampler_hands_over_samples_without_waiting_for_the_interval() {
        let (tx, rx) = channel();
        // The first sample is taken at once; stopping waits for it, so there is exactly one.
        let sampler =
            Sampler::start(move |s| tx.send(s).unwrap(), Duration::from_secs(3600)).unwrap();
        sampler.stop(Duration::from_secs(30));
        let samples: Vec<Sample> = rx.try_iter().collect();
        assert_eq!(samples.len(), 1, "{samples:?}");
        let names: Vec<&str> = samples[0].values.iter().map(|(n, _)| n.as_str()).collect();
        #[cfg(target_os = "linux")]
        assert!(
            names.contains(&"memory") && names.contains(&"cpu"),
            "{names:?}"
        );
        assert_eq!(
            names.contains(&"gpu_0_memory_used"),
            gpu_metrics().is_some()
        );
    }
}
