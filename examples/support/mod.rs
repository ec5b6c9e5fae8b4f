//! What the example client, server and demo share.
#![allow(dead_code)] // each example uses its own part

pub mod app;
pub mod args;
pub mod client;
pub mod limits;
pub mod own_cert;
pub mod procfs;
pub mod server;
