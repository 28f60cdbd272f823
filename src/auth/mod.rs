//! Credentials: password hashing and random tokens.

pub mod login;
pub mod password;
pub mod tokens;
