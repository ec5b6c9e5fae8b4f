//! The process's open-file limit: a server or a load generator with
//! thousands of connections needs a descriptor for each.

/// Raises the soft limit on open files to the hard limit and returns the
/// soft limit now in force (`None` where it cannot be known).
#[cfg(unix)]
pub fn raise_open_file_limit() -> Option<u64> {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    let Some(current) = limit.current else {
        return Some(u64::MAX); // unlimited
    };
    // An unlimited hard limit still stops at the kernel's nr_open.
    let target = limit.maximum.unwrap_or(1 << 20);
    let raised = Rlimit {
        current: Some(target),
        maximum: limit.maximum,
    };
    if target > current && setrlimit(Resource::Nofile, raised).is_ok() {
        return Some(target);
    }
    Some(current)
}

/// Raises the soft limit on open files to the hard limit and returns the
/// soft limit now in force (`None` where it cannot be known).
#[cfg(not(unix))]
pub fn raise_open_file_limit() -> Option<u64> {
    None
}
