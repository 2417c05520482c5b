//! Peak memory of the running process, for manifests and benchmarks (memory goals are measured, not
//! assumed: the streaming run must keep this flat as corpora grow).

/// Peak resident set size so far (VmHWM from /proc), in MB; 0 where /proc is unavailable.
pub fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}
