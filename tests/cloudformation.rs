//! CloudFormation end to end: templates hardened for every control of the `cloudformation` pack
//! produce no finding of it, while the same template with each control broken is reported at
//! the property's line; a Lambda secret never appears in any output format.

mod common;

use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `(rule, line, related lines)` of every `cloudformation` finding in `dir`, sorted.
fn findings(dir: &Path) -> Vec<(String, u64, Vec<u64>)> {
    let report = common::check_json(dir, &["--select", "cloudformation"]);
    let mut got: Vec<(String, u64, Vec<u64>)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let related = f["related"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|r| r["start"]["line"].as_u64())
                .collect();
            (
                f["rule"].as_str().unwrap_or_default().to_string(),
                f["start"]["line"].as_u64().unwrap_or_default(),
                related,
            )
        })
        .collect();
    got.sort();
    got
}

/// The 1-based line where `needle` starts in `text`.
fn line_of(text: &str, needle: &str) -> u64 {
    text[..text.find(needle).expect("in the template")]
        .matches('\n')
        .count() as u64
        + 1
}

fn hardened() -> String {
    std::fs::read_to_string(root().join("fixtures/_cloudformation/hardened.yaml")).expect("fixture")
}

#[test]
fn hardened_templates_have_no_findings() {
    let dir = tempfile::tempdir().expect("tempdir");
    common::write(dir.path(), "stack.yaml", &hardened());
    let sam =
        std::fs::read_to_string(root().join("fixtures/_cloudformation/sam.yaml")).expect("fixture");
    common::write(dir.path(), "sam/template.yaml", &sam);
    assert_eq!(findings(dir.path()), Vec::<(String, u64, Vec<u64>)>::new());
}

/// One edit per control turns the hardened template insecure, and the finding is on the line
/// holding the last text given (the property, or where a parameter or mapping is used): the
/// hardened template's silence above is not a template that nothing reads.
#[test]
fn each_broken_control_is_reported_at_its_line() {
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "aws-kms-key-rotation-disabled",
            "EnableKeyRotation: true",
            "EnableKeyRotation: false",
            "EnableKeyRotation",
        ),
        (
            "aws-s3-versioning-disabled",
            "Status: !If [IsProd, Enabled, Enabled]",
            "Status: !If [IsProd, Suspended, Enabled]",
            "Status: !If",
        ),
        (
            "aws-s3-public-access-block-disabled",
            "BlockPublicPolicy: true",
            "BlockPublicPolicy: 'false'",
            "BlockPublicPolicy",
        ),
        (
            "aws-s3-public-policy",
            "Effect: Deny\n            Principal: '*'\n            Action: s3:*\n            Resource: [!GetAtt Data.Arn, !Sub '${Data.Arn}/*']\n            Condition: {Bool: {aws:SecureTransport: false}}",
            "Effect: Allow\n            Principal: '*'\n            Action: s3:GetObject\n            Resource: !Sub '${Data.Arn}/*'",
            "Principal: '*'",
        ),
        (
            "aws-security-group-open-admin-port",
            "Default: 10.20.0.0/16",
            "Default: 0.0.0.0/0",
            "CidrIp: !Ref AdminCidr",
        ),
        (
            "aws-iam-passrole-wildcard",
            "Resource: !GetAtt TaskRole.Arn",
            "Resource: '*'",
            "Action: iam:PassRole",
        ),
        (
            "aws-rds-single-az",
            "MultiAZ: !If [IsProd, true, true]",
            "MultiAZ: !If [IsProd, false, true]",
            "MultiAZ: !If",
        ),
        (
            "aws-rds-backup-disabled",
            "prod: {Min: 2, Retention: 14}",
            "prod: {Min: 2, Retention: 0}",
            "BackupRetentionPeriod",
        ),
        (
            "aws-autoscaling-min-size",
            "prod: {Min: 2, Retention: 14}",
            "prod: {Min: 1, Retention: 14}",
            "MinSize",
        ),
        (
            "aws-rds-publicly-accessible",
            "PubliclyAccessible: false",
            "PubliclyAccessible: true",
            "PubliclyAccessible",
        ),
        (
            "aws-rds-storage-unencrypted",
            "      StorageEncrypted: true\n      KmsKeyId: !Ref Key\n",
            "",
            "Type: AWS::RDS::DBInstance\n    DeletionPolicy",
        ),
        (
            "aws-eks-public-endpoint",
            "EndpointPublicAccess: false",
            "EndpointPublicAccess: true",
            "EndpointPublicAccess",
        ),
        (
            "aws-lb-listener-http",
            "- Type: redirect",
            "- Type: forward",
            "Protocol: HTTP\n",
        ),
        (
            "aws-cloudtrail-not-multi-region",
            "IsMultiRegionTrail: true",
            "IsMultiRegionTrail: false",
            "IsMultiRegionTrail",
        ),
        (
            "aws-dynamodb-pitr-disabled",
            "PointInTimeRecoveryEnabled: true\n      SSE",
            "PointInTimeRecoveryEnabled: false\n      SSE",
            "PointInTimeRecoveryEnabled",
        ),
        (
            "aws-lambda-env-secret",
            "STAGE: !Ref Stage",
            "DB_PASSWORD_OLD: hunter2hunter2",
            "DB_PASSWORD_OLD",
        ),
    ];
    let base = hardened();
    for (rule, from, to, at) in cases {
        assert_eq!(
            base.matches(from).count(),
            1,
            "{rule}: `{from}` once in the fixture"
        );
        let text = base.replacen(from, to, 1);
        assert_eq!(
            text.matches(at).count(),
            1,
            "{rule}: `{at}` once after the edit"
        );
        let line = line_of(&text, at);
        let dir = tempfile::tempdir().expect("tempdir");
        common::write(dir.path(), "stack.yaml", &text);
        let got: Vec<(String, u64)> = findings(dir.path())
            .into_iter()
            .map(|(r, l, _)| (r, l))
            .collect();
        assert_eq!(
            got,
            vec![(format!("cloudformation/{rule}"), line)],
            "{rule}"
        );
    }
}

#[test]
fn a_lambda_secret_is_masked_in_every_format() {
    // Built at run time so that the test source holds no secret-looking literal.
    let secret: String = ["Zq8u", "V2mL", "0pRt", "7wXy"].concat();
    let dir = tempfile::tempdir().expect("tempdir");
    let text = hardened().replace(
        "          STAGE: !Ref Stage",
        &format!("          STAGE: !Ref Stage\n          SIGNING_SECRET: {secret}"),
    );
    common::write(dir.path(), "stack.yaml", &text);
    for format in ["human", "json", "sarif", "github"] {
        let out = common::bylaw(dir.path())
            .args(["check", ".", "--no-cache", "-v", "--format", format])
            .args(["--select", "cloudformation/aws-lambda-env-secret"])
            .output()
            .expect("bylaw runs");
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.status.code(), Some(1), "{format}: {all}");
        assert!(all.contains("SIGNING_SECRET"), "{format}: reported");
        assert!(
            !all.contains(&secret[..8]),
            "{format}: secret printed: {all}"
        );
    }
}

/// A value from a parameter's default or a mapping is reported where it is used, with the line
/// that sets it as a related location; a literal value has none.
#[test]
fn a_resolved_value_cites_where_it_is_set() {
    let text = hardened()
        .replacen("Default: 10.20.0.0/16", "Default: 0.0.0.0/0", 1)
        .replacen(
            "prod: {Min: 2, Retention: 14}",
            "prod: {Min: 2, Retention: 0}",
            1,
        )
        .replacen("PubliclyAccessible: false", "PubliclyAccessible: true", 1);
    let line_of = |needle: &str| line_of(&text, needle);
    let dir = tempfile::tempdir().expect("tempdir");
    common::write(dir.path(), "stack.yaml", &text);
    let got = findings(dir.path());
    let mut want = vec![
        (
            "cloudformation/aws-rds-backup-disabled".to_string(),
            line_of("BackupRetentionPeriod"),
            vec![line_of("prod: {Min")],
        ),
        (
            "cloudformation/aws-rds-publicly-accessible".to_string(),
            line_of("PubliclyAccessible"),
            vec![],
        ),
        (
            "cloudformation/aws-security-group-open-admin-port".to_string(),
            line_of("CidrIp: !Ref AdminCidr"),
            vec![line_of("Default: 0.0.0.0/0")],
        ),
    ];
    want.sort();
    assert_eq!(got, want);
}
