//! The home page.

use super::{SuiteContext, Target};

pub fn targets(_: &mut SuiteContext<'_>) -> anyhow::Result<Vec<Target>> {
    Ok(vec![Target::new("home", "/")])
}
