//! One row of `make bench`'s closing table, printed where a figure is measured; the Makefile
//! gathers the rows of every benchmark into one table at the end. Shared with `#[path]`.

/// Prints the row of `metric`: its `figure`, the `budget`, and whether it is `within` it.
pub fn row(metric: &str, figure: &str, budget: &str, within: bool) {
    let verdict = if within { "within" } else { "over" };
    println!("BENCH | {metric} | {figure} | {budget} | {verdict} |");
}
