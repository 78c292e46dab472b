//! The README quotes real code: every fenced block after a `<!-- quote: PATH -->` line must be
//! that file, byte for byte, so the README's examples cannot drift from what CI runs.

use std::path::Path;

#[test]
fn quoted_files_in_the_readme_match_their_source() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let mut quotes = 0;
    let mut rest = readme.as_str();
    while let Some(at) = rest.find("<!-- quote: ") {
        let after = &rest[at + "<!-- quote: ".len()..];
        let path = after[..after.find(" -->").expect("a quote marker ends with -->")].trim();
        let fence = after
            .find("```")
            .expect("a fenced block follows a quote marker");
        let body_start = fence + after[fence..].find('\n').unwrap() + 1;
        let body_len = after[body_start..]
            .find("\n```")
            .expect("the quoted block is closed")
            + 1;
        let quoted = &after[body_start..body_start + body_len];
        let source = std::fs::read_to_string(root.join(path))
            .unwrap_or_else(|e| panic!("README quotes {path}, which cannot be read: {e}"));
        assert!(
            quoted == source,
            "README.md's copy of {path} differs from the file: paste the file into the README again"
        );
        quotes += 1;
        rest = &after[body_start + body_len..];
    }
    assert!(quotes >= 1, "the README quotes app.config.ts");
}
