//! How failed logins slow further attempts: by the pair (user name, client address) and by the address alone, each
//! with a few free failures and then a delay that doubles with every further failure. A guesser is slowed however
//! it spreads its guesses (one name from one address, or many names from one address), while the owner of a name,
//! signing in from anywhere else with the right password, is never held up by someone else's guesses.

/// One throttle: how many failures are free, and the delay after the next ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginThrottle {
    pub free_failures: u32,
    pub first_delay_secs: u64,
    pub max_delay_secs: u64,
}

/// Guesses at one name from one address: 5 free, then 30 s, 60 s, 120 s… up to 15 minutes between attempts.
pub const PER_NAME_AND_ADDRESS: LoginThrottle =
    LoginThrottle { free_failures: 5, first_delay_secs: 30, max_delay_secs: 900 };

/// Failures from one address over all names: 20 free, then 1 s, 2 s, 4 s… up to 15 minutes between attempts.
pub const PER_ADDRESS: LoginThrottle = LoginThrottle { free_failures: 20, first_delay_secs: 1, max_delay_secs: 900 };

impl LoginThrottle {
    /// The delay owed after `failures` failures (0 while they are free).
    pub fn delay_secs(&self, failures: u32) -> u64 {
        let Some(beyond) = failures.checked_sub(self.free_failures) else { return 0 };
        let doublings = beyond.min(30);
        self.first_delay_secs.saturating_mul(1u64 << doublings).min(self.max_delay_secs)
    }

    /// How long an attempt must still wait, `since_last_secs` after the last failure.
    pub fn wait_secs(&self, failures: u32, since_last_secs: u64) -> u64 {
        self.delay_secs(failures).saturating_sub(since_last_secs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_are_free_then_the_delay_doubles_up_to_its_cap() {
        let t = PER_NAME_AND_ADDRESS;
        assert_eq!((0..5).map(|n| t.delay_secs(n)).max(), Some(0));
        assert_eq!([5, 6, 7, 8].map(|n| t.delay_secs(n)), [30, 60, 120, 240]);
        assert_eq!(t.delay_secs(40), 900);
        assert_eq!(t.delay_secs(u32::MAX), 900);
    }

    #[test]
    fn the_wait_shrinks_as_time_passes() {
        let t = PER_ADDRESS;
        assert_eq!(t.wait_secs(22, 0), 4);
        assert_eq!(t.wait_secs(22, 3), 1);
        assert_eq!(t.wait_secs(22, 10), 0);
        assert_eq!(t.wait_secs(3, 0), 0);
    }
}
