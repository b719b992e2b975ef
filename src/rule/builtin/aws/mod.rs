//! What the Terraform and CloudFormation implementations of one AWS control share.

pub mod controls;
