//! Another process's memory and CPU time, from `/proc/<pid>` (Linux).

use std::io;
use std::time::Duration;

/// A process's resident memory, in bytes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Memory {
    /// VmRSS: resident now.
    pub rss: u64,
    /// VmHWM: the most ever resident.
    pub peak: u64,
}

/// The CPU time a process has used.
#[derive(Debug, Clone, Copy, Default, PartialEq, PartialOrd)]
pub struct Cpu {
    pub user: Duration,
    pub system: Duration,
}

impl Cpu {
    pub fn total(&self) -> Duration {
        self.user + self.system
    }

    /// The time used since `earlier`.
    pub fn since(&self, earlier: Cpu) -> Cpu {
        Cpu {
            user: self.user.saturating_sub(earlier.user),
            system: self.system.saturating_sub(earlier.system),
        }
    }
}

/// VmRSS and VmHWM from `/proc/<pid>/status`.
pub fn memory(pid: u32) -> io::Result<Memory> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let field = |name: &str| -> io::Result<u64> {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.trim().strip_suffix("kB"))
            .and_then(|kb| kb.trim().parse::<u64>().ok())
            .map(|kb| kb * 1024)
            .ok_or_else(|| io::Error::other(format!("no {name} in /proc/{pid}/status")))
    };
    Ok(Memory {
        rss: field("VmRSS:")?,
        peak: field("VmHWM:")?,
    })
}

/// utime and stime from `/proc/<pid>/stat`.
pub fn cpu(pid: u32) -> io::Result<Cpu> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // The command name (field 2) is in parentheses and may hold spaces;
    // the fields after it start with the state (field 3).
    let rest = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .ok_or_else(|| io::Error::other("unreadable /proc/<pid>/stat"))?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |field: usize| -> io::Result<Duration> {
        let n: u64 = fields
            .get(field - 3)
            .and_then(|f| f.parse().ok())
            .ok_or_else(|| io::Error::other("unreadable /proc/<pid>/stat"))?;
        Ok(Duration::from_secs_f64(n as f64 / clock_ticks() as f64))
    };
    Ok(Cpu {
        user: ticks(14)?,
        system: ticks(15)?,
    })
}

#[cfg(unix)]
fn clock_ticks() -> u64 {
    rustix::param::clock_ticks_per_second().max(1)
}

#[cfg(not(unix))]
fn clock_ticks() -> u64 {
    100
}
