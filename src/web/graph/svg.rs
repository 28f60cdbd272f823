//! Server-rendered SVG layouts of the relationship graph: columns of contacts and deals
//! around the company or the deal, edges labelled with each contact's role. Nodes are links.
//! Coordinates are computed here; the template only draws.

use askama::Template;

use crate::domain::deal_contacts::{DealContact, role_label};
use crate::domain::relationships::CompanyGraph;

const NODE_W: f64 = 240.0;
const NODE_H: f64 = 40.0;
const ROW: f64 = 52.0;
const LEFT_X: f64 = 20.0;
const RIGHT_X: f64 = 760.0;
const WIDTH: f64 = 1020.0;
const TOP: f64 = 130.0;

pub struct Node {
    pub href: String,
    pub x: f64,
    pub y: f64,
    pub title: String,
    pub sub: String,
    pub class: &'static str,
    pub key: String,
}

pub struct Edge {
    pub d: String,
    pub class: &'static str,
    pub label: Option<String>,
    pub lx: f64,
    pub ly: f64,
    pub from: String,
    pub to: String,
}

pub struct Heading {
    pub x: f64,
    pub text: String,
}

#[derive(Template)]
#[template(path = "graph/_svg.html")]
pub struct Svg {
    pub width: f64,
    pub height: f64,
    pub node_w: f64,
    pub node_h: f64,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    pub headings: Vec<Heading>,
    pub label: String,
}

impl askama::filters::HtmlSafe for Svg {}

fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut out: String = text.chars().take(max - 1).collect();
        out.push('…');
        out
    }
}

/// The point at `t` along [`curve`], for placing a label on the edge.
fn point_on_curve(x1: f64, y1: f64, x2: f64, y2: f64, t: f64) -> (f64, f64) {
    let mid = (x1 + x2) / 2.0;
    let u = 1.0 - t;
    let x = u * u * u * x1 + 3.0 * u * u * t * mid + 3.0 * u * t * t * mid + t * t * t * x2;
    let y = u * u * u * y1 + 3.0 * u * u * t * y1 + 3.0 * u * t * t * y2 + t * t * t * y2;
    (x, y)
}

/// A gentle S-curve from the right edge of one node to the left edge of another.
fn curve(x1: f64, y1: f64, x2: f64, y2: f64) -> String {
    let mid = (x1 + x2) / 2.0;
    format!("M{x1:.1},{y1:.1} C{mid:.1},{y1:.1} {mid:.1},{y2:.1} {x2:.1},{y2:.1}")
}

fn money(minor: i64, currency: &str) -> String {
    crate::web::fmt::money(minor, currency)
}

/// Company in the middle at the top, its people on the left, its deals on the right, and
/// role edges from people to deals.
pub fn company(graph: &CompanyGraph) -> Svg {
    let rows = graph.contacts.len().max(graph.deals.len()).max(1) as f64;
    let height = TOP + rows * ROW + 20.0;
    let company_x = (WIDTH - NODE_W) / 2.0;
    let company_y = 30.0;
    let mut nodes = vec![Node {
        href: format!("/companies/{}", graph.company_id),
        x: company_x,
        y: company_y,
        title: clip(&graph.company_name, 30),
        sub: "Company".to_owned(),
        class: "node-company node-focus",
        key: format!("company-{}", graph.company_id),
    }];
    let mut edges = Vec::new();
    let contact_y = |i: usize| TOP + i as f64 * ROW;
    for (i, contact) in graph.contacts.iter().enumerate() {
        let y = contact_y(i);
        nodes.push(Node {
            href: format!("/contacts/{}", contact.id),
            x: LEFT_X,
            y,
            title: clip(&contact.name, 30),
            sub: clip(contact.title.as_deref().unwrap_or(""), 34),
            class: "node-contact",
            key: format!("contact-{}", contact.id),
        });
        if contact.company_id == Some(graph.company_id) {
            edges.push(Edge {
                d: curve(
                    company_x,
                    company_y + NODE_H / 2.0,
                    LEFT_X + NODE_W,
                    y + NODE_H / 2.0,
                ),
                class: "edge",
                label: None,
                lx: 0.0,
                ly: 0.0,
                from: format!("company-{}", graph.company_id),
                to: format!("contact-{}", contact.id),
            });
        }
    }
    for (i, deal) in graph.deals.iter().enumerate() {
        let y = contact_y(i);
        nodes.push(Node {
            href: format!("/deals/{}", deal.id),
            x: RIGHT_X,
            y,
            title: clip(&deal.title, 30),
            sub: format!(
                "{} · {} · {}",
                deal.stage,
                money(deal.amount_minor, &deal.currency),
                deal.status
            ),
            class: "node-deal",
            key: format!("deal-{}", deal.id),
        });
        edges.push(Edge {
            d: curve(
                company_x + NODE_W,
                company_y + NODE_H / 2.0,
                RIGHT_X,
                y + NODE_H / 2.0,
            ),
            class: "edge",
            label: None,
            lx: 0.0,
            ly: 0.0,
            from: format!("company-{}", graph.company_id),
            to: format!("deal-{}", deal.id),
        });
    }
    let row_of_contact = |id: i64| graph.contacts.iter().position(|c| c.id == id);
    let row_of_deal = |id: i64| graph.deals.iter().position(|d| d.id == id);
    let mut role_pairs: Vec<(i64, i64, String)> = graph
        .roles
        .iter()
        .map(|r| (r.contact_id, r.deal_id, role_label(&r.role).to_owned()))
        .collect();
    for deal in &graph.deals {
        if let Some(primary) = deal.primary_contact_id
            && !role_pairs
                .iter()
                .any(|(c, d, _)| *c == primary && *d == deal.id)
        {
            role_pairs.push((primary, deal.id, "Primary contact".to_owned()));
        }
    }
    for (contact, deal, label) in role_pairs {
        let (Some(ci), Some(di)) = (row_of_contact(contact), row_of_deal(deal)) else {
            continue;
        };
        let (x1, y1) = (LEFT_X + NODE_W, contact_y(ci) + NODE_H / 2.0);
        let (x2, y2) = (RIGHT_X, contact_y(di) + NODE_H / 2.0);
        let (lx, ly) = point_on_curve(x1, y1, x2, y2, 0.4);
        edges.push(Edge {
            d: curve(x1, y1, x2, y2),
            class: "edge edge-role",
            label: Some(label),
            lx,
            ly: ly - 3.0,
            from: format!("contact-{contact}"),
            to: format!("deal-{deal}"),
        });
    }
    let mut headings = vec![
        Heading {
            x: LEFT_X,
            text: format!(
                "People ({})",
                graph.contacts.len() as i64 + graph.more_contacts
            ),
        },
        Heading {
            x: RIGHT_X,
            text: format!("Deals ({})", graph.deals.len() as i64 + graph.more_deals),
        },
    ];
    if graph.more_contacts > 0 || graph.more_deals > 0 {
        headings.push(Heading {
            x: company_x,
            text: "Showing the first 40 of each".to_owned(),
        });
    }
    Svg {
        width: WIDTH,
        height,
        node_w: NODE_W,
        node_h: NODE_H,
        nodes,
        edges,
        headings,
        label: format!("Relationships of {}", graph.company_name),
    }
}

/// The deal on the right, its company above it, its people on the left with their roles.
pub fn deal(
    deal_id: i64,
    title: &str,
    sub: &str,
    company: Option<(i64, String)>,
    people: &[DealContact],
) -> Svg {
    let rows = people.len().max(2) as f64;
    let height = TOP + rows * ROW + 20.0;
    let deal_y = TOP + (rows * ROW - ROW) / 2.0;
    let deal_key = format!("deal-{deal_id}");
    let mut nodes = vec![Node {
        href: format!("/deals/{deal_id}"),
        x: RIGHT_X,
        y: deal_y,
        title: clip(title, 30),
        sub: sub.to_owned(),
        class: "node-deal node-focus",
        key: deal_key.clone(),
    }];
    let mut edges = Vec::new();
    if let Some((company_id, name)) = &company {
        nodes.push(Node {
            href: format!("/companies/{company_id}"),
            x: RIGHT_X,
            y: 30.0,
            title: clip(name, 30),
            sub: "Company".to_owned(),
            class: "node-company",
            key: format!("company-{company_id}"),
        });
        edges.push(Edge {
            d: format!(
                "M{:.1},{:.1} L{:.1},{:.1}",
                RIGHT_X + NODE_W / 2.0,
                30.0 + NODE_H,
                RIGHT_X + NODE_W / 2.0,
                deal_y
            ),
            class: "edge",
            label: None,
            lx: 0.0,
            ly: 0.0,
            from: format!("company-{company_id}"),
            to: deal_key.clone(),
        });
    }
    for (i, person) in people.iter().enumerate() {
        let y = TOP + i as f64 * ROW;
        let mut sub = person.title.clone().unwrap_or_default();
        let deal_company = company.as_ref().map(|(id, _)| *id);
        if let Some(company) = &person.company_name
            && person.company_id != deal_company
        {
            sub = if sub.is_empty() {
                company.clone()
            } else {
                format!("{sub} · {company}")
            };
        }
        nodes.push(Node {
            href: format!("/contacts/{}", person.contact_id),
            x: LEFT_X,
            y,
            title: clip(&person.name(), 30),
            sub: clip(&sub, 34),
            class: if person.is_primary {
                "node-contact node-primary"
            } else {
                "node-contact"
            },
            key: format!("contact-{}", person.contact_id),
        });
        let mut label = person.role_label().to_owned();
        if let Some(level) = person.influence_level {
            label.push_str(&format!(" · influence {level}"));
        }
        if person.is_champion && person.role.as_deref() != Some("champion") {
            label.push_str(" · champion");
        }
        let (x1, y1) = (LEFT_X + NODE_W, y + NODE_H / 2.0);
        let (x2, y2) = (RIGHT_X, deal_y + NODE_H / 2.0);
        edges.push(Edge {
            d: curve(x1, y1, x2, y2),
            class: "edge edge-role",
            label: Some(label),
            lx: x1 + 16.0,
            ly: y1 - 6.0,
            from: format!("contact-{}", person.contact_id),
            to: deal_key.clone(),
        });
    }
    Svg {
        width: WIDTH,
        height,
        node_w: NODE_W,
        node_h: NODE_H,
        nodes,
        edges,
        headings: vec![
            Heading {
                x: LEFT_X,
                text: format!("Buying group ({})", people.len()),
            },
            Heading {
                x: RIGHT_X,
                text: "Deal".to_owned(),
            },
        ],
        label: format!("Relationships of the deal {title}"),
    }
}
