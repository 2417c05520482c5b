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

/// CPU time (user + system, all threads) the process has used so far, in seconds, from /proc/self/stat;
/// 0 where /proc is unavailable. Benchmarks report it beside wall time: on a machine shared with other
/// work, CPU seconds per paragraph say more about a configuration's cost than wall time does.
pub fn cpu_secs() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15 (1-based).
    let Some(rest) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
        return 0.0;
    };
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // rest starts at field 3 (state), so field n is rest[n - 3].
    // /proc reports clock ticks in USER_HZ, which the kernel fixes at 100 for user space.
    (ticks(11) + ticks(12)) / 100.0
}
