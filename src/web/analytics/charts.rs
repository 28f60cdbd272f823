//! Bar chart geometry for the analytics page. The template draws the rectangles and
//! labels; everything here is numbers and text (escaped by askama like any other).

/// One drawn bar.
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    /// CSS class: `bar`, `bar-won`, `bar-lost`, `bar-weighted` …
    pub class: &'static str,
    /// Tooltip and accessible text.
    pub title: String,
}

/// One label.
pub struct Label {
    pub x: f64,
    pub y: f64,
    /// `start`, `middle` or `end`.
    pub anchor: &'static str,
    pub class: &'static str,
    pub text: String,
}

/// A chart ready to draw.
pub struct Chart {
    pub key: &'static str,
    pub label: String,
    pub width: f64,
    pub height: f64,
    pub rects: Vec<Rect>,
    pub labels: Vec<Label>,
}

const WIDTH: f64 = 560.0;
const LABEL_W: f64 = 150.0;
const VALUE_W: f64 = 70.0;
const ROW_H: f64 = 26.0;
const BAR_H: f64 = 16.0;

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// Horizontal bars: one row per item (label, value text, value).
pub fn horizontal(
    key: &'static str,
    label: &str,
    class: &'static str,
    items: &[(String, String, f64)],
) -> Chart {
    let max = items.iter().map(|i| i.2).fold(0.0_f64, f64::max);
    let span = WIDTH - LABEL_W - VALUE_W;
    let mut rects = Vec::new();
    let mut labels = Vec::new();
    for (i, (name, text, value)) in items.iter().enumerate() {
        let y = i as f64 * ROW_H + 4.0;
        let w = if max > 0.0 { value / max * span } else { 0.0 };
        labels.push(Label {
            x: LABEL_W - 8.0,
            y: round1(y + BAR_H - 3.0),
            anchor: "end",
            class: "chart-label",
            text: name.clone(),
        });
        rects.push(Rect {
            x: LABEL_W,
            y: round1(y),
            w: round1(w.max(0.0)),
            h: BAR_H,
            class,
            title: format!("{name}: {text}"),
        });
        labels.push(Label {
            x: round1(LABEL_W + w.max(0.0) + 6.0),
            y: round1(y + BAR_H - 3.0),
            anchor: "start",
            class: "chart-value",
            text: text.clone(),
        });
    }
    Chart {
        key,
        label: label.to_owned(),
        width: WIDTH,
        height: (items.len().max(1) as f64 * ROW_H + 8.0).round(),
        rects,
        labels,
    }
}

/// One group of vertical bars (a month), each bar (class, title, value).
pub struct Group {
    pub label: String,
    pub bars: Vec<(&'static str, String, f64)>,
}

/// Vertical grouped bars (months along the bottom).
pub fn columns(key: &'static str, label: &str, groups: &[Group]) -> Chart {
    const PLOT_H: f64 = 160.0;
    const TOP: f64 = 10.0;
    let max = groups
        .iter()
        .flat_map(|g| g.bars.iter().map(|b| b.2))
        .fold(0.0_f64, f64::max);
    let slot = if groups.is_empty() {
        WIDTH
    } else {
        (WIDTH - 20.0) / groups.len() as f64
    };
    let mut rects = Vec::new();
    let mut labels = Vec::new();
    // Label every month when they fit, else every third.
    let step = if slot >= 36.0 { 1 } else { 3 };
    for (i, group) in groups.iter().enumerate() {
        let x0 = 10.0 + i as f64 * slot;
        let bar_w = (slot * 0.8) / group.bars.len().max(1) as f64;
        for (j, (class, title, value)) in group.bars.iter().enumerate() {
            let h = if max > 0.0 { value / max * PLOT_H } else { 0.0 };
            rects.push(Rect {
                x: round1(x0 + slot * 0.1 + j as f64 * bar_w),
                y: round1(TOP + PLOT_H - h),
                w: round1(bar_w),
                h: round1(h),
                class,
                title: format!("{}: {title}", group.label),
            });
        }
        if i % step == 0 {
            labels.push(Label {
                x: round1(x0 + slot / 2.0),
                y: TOP + PLOT_H + 16.0,
                anchor: "middle",
                class: "chart-label",
                text: group.label.clone(),
            });
        }
    }
    Chart {
        key,
        label: label.to_owned(),
        width: WIDTH,
        height: TOP + PLOT_H + 24.0,
        rects,
        labels,
    }
}
