using ModelRegistry.Contracts;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Domain.Tests;

public class ArtifactPaths_Specs
{
    private const string Field = "artifact.files[2].path";
    private const string UriField = "artifact.files[2].sourceUri";
    private static readonly string[] Roots = ["/data/in"];

    // ---- manifest paths ----

    [Theory]
    [InlineData("model.safetensors")]
    [InlineData("tokenizer/vocab.json")]
    [InlineData("weights/model-00001-of-00002.safetensors")]
    [InlineData("a/b/c/d/e.bin")]
    [InlineData("A+B=C@D,E_F-G.bin")]
    [InlineData(".hidden")]
    [InlineData("...x")]
    [InlineData("x..")]
    public void Manifest_paths_that_name_a_file_inside_the_artifact_are_accepted(string path) =>
        Assert.Null(ArtifactPaths.ValidateRelativePath(path, Field));

    [Theory]
    [InlineData("..")]
    [InlineData("../etc/passwd")]
    [InlineData("a/../../b")]
    [InlineData("a/..")]
    [InlineData(".")]
    [InlineData("./model.bin")]
    [InlineData("a/./b")]
    [InlineData("...")]
    [InlineData("a/.../b")]
    public void Manifest_path_dot_segment_traversal_is_hostile(string path) => AssertPathRefused(path, RejectionReasons.HostilePath);

    [Theory]
    [InlineData("..\\..\\windows\\win.ini")]
    [InlineData("a\\b.bin")]
    [InlineData("\\\\server\\share\\x")]
    [InlineData("a/..\\b")]
    public void Manifest_path_backslash_traversal_is_hostile(string path) => AssertPathRefused(path, RejectionReasons.HostilePath);

    [Theory]
    [InlineData("/etc/passwd")]
    [InlineData("//server/share/x")]
    [InlineData("/")]
    [InlineData("C:/Windows/win.ini")]
    [InlineData("c:model.bin")]
    public void Manifest_path_absolute_or_drive_letter_is_hostile(string path) => AssertPathRefused(path, RejectionReasons.HostilePath);

    [Theory]
    [InlineData("%2e%2e/etc/passwd")]
    [InlineData("%2E%2e%2Fetc")]
    [InlineData("%252e%252e%252fetc")]
    [InlineData("a%2fb")]
    [InlineData("%c0%ae%c0%ae/x")]
    [InlineData("model%00.bin")]
    [InlineData("100%.bin")]
    public void Manifest_path_percent_encoding_of_any_kind_is_hostile(string path) => AssertPathRefused(path, RejectionReasons.HostilePath);

    [Theory]
    [InlineData("model\0.bin")]
    [InlineData("\0")]
    [InlineData("a\nb")]
    [InlineData("a\rb")]
    [InlineData("a\tb")]
    [InlineData("a\u007fb")]
    [InlineData("a\u0085b")]
    public void Manifest_path_nul_and_control_characters_are_hostile(string path) => AssertPathRefused(path, RejectionReasons.HostilePath);

    [Theory]
    [InlineData("a//b")]
    [InlineData("a/")]
    [InlineData("a/b/")]
    public void Manifest_path_empty_segments_are_hostile(string path) => AssertPathRefused(path, RejectionReasons.HostilePath);

    [Theory]
    [InlineData("model.bin?x=1")]
    [InlineData("model.bin#/../../etc/passwd")]
    [InlineData("model.bin:stream")]
    public void Manifest_path_url_delimiters_and_streams_are_hostile(string path) => AssertPathRefused(path, RejectionReasons.HostilePath);

    [Theory]
    [InlineData("\uFF0E\uFF0E/etc/passwd")]
    [InlineData("a\uFF0Fb")]
    [InlineData("a\uFF3Cb")]
    [InlineData("\u2025/x")]
    [InlineData("a\u2215b")]
    [InlineData("caf\u00e9.bin")]
    public void Manifest_path_non_ascii_lookalikes_are_hostile(string path) => AssertPathRefused(path, RejectionReasons.HostilePath);

    [Theory]
    [InlineData("my model.bin")]
    [InlineData("a*b")]
    [InlineData("~/x")]
    [InlineData("a|b")]
    [InlineData("a\"b")]
    public void Manifest_path_other_punctuation_is_an_invalid_value(string path) => AssertPathRefused(path, RejectionReasons.InvalidValue);

    [Fact]
    public void Manifest_path_of_512_characters_is_accepted_and_513_is_over_the_limit()
    {
        Assert.Null(ArtifactPaths.ValidateRelativePath(Valid.Repeat('a', 512), Field));
        AssertPathRefused(Valid.Repeat('a', 513), RejectionReasons.LimitExceeded);
    }

    [Fact]
    public void Manifest_path_that_is_empty_is_missing() => AssertPathRefused("", RejectionReasons.MissingField);

    // ---- source URIs ----

    [Theory]
    [InlineData("file:///data/in/run-1/model.safetensors", "/data/in/run-1/model.safetensors")]
    [InlineData("file://localhost/data/in/x.bin", "/data/in/x.bin")]
    [InlineData("FILE://LOCALHOST/data/in/x.bin", "/data/in/x.bin")]
    [InlineData("File:///data/in/x.bin", "/data/in/x.bin")]
    [InlineData("file:///data/in/a%20b.bin", "/data/in/a b.bin")]
    [InlineData("file:///data/in/caf%C3%A9.bin", "/data/in/caf\u00e9.bin")]
    [InlineData("file:///data/in/%2e..x", "/data/in/...x")]
    [InlineData("file:///data/in/x%23y%3Fz", "/data/in/x#y?z")]
    public void Source_uris_inside_an_allowed_root_resolve_to_their_path_decoded_once(string uri, string expected)
    {
        Assert.Null(ArtifactPaths.ValidateSourceUriSyntax(uri, UriField));
        var (path, refusal) = ArtifactPaths.ResolveSource(uri, Roots, UriField);
        Assert.Null(refusal);
        Assert.Equal(expected, path);
    }

    [Theory]
    [InlineData("http://evil.example/model.bin")]
    [InlineData("https://evil.example/model.bin")]
    [InlineData("s3://bucket/model.bin")]
    [InlineData("ftp://host/model.bin")]
    [InlineData("gs://bucket/model.bin")]
    [InlineData("hdfs://namenode/model.bin")]
    [InlineData("runs:/0123/model")]
    [InlineData("models:/fraud/1")]
    [InlineData("mlflow-artifacts:/x")]
    [InlineData("/data/in/model.bin")]
    [InlineData("data/in/model.bin")]
    [InlineData("file:/data/in/model.bin")]
    [InlineData("file:data/in/model.bin")]
    public void Source_uri_unknown_scheme_is_unsupported(string uri) => AssertUriRefused(uri, RejectionReasons.UnsupportedSource);

    [Theory]
    [InlineData("file://evil.example/data/in/x")]
    [InlineData("file://127.0.0.1/data/in/x")]
    [InlineData("file://server/share/x")]
    [InlineData("file://user@localhost/data/in/x")]
    [InlineData("file://localhost:22/data/in/x")]
    [InlineData("file://%6cocalhost/data/in/x")]
    public void Source_uri_remote_host_or_unc_is_unsupported(string uri) => AssertUriRefused(uri, RejectionReasons.UnsupportedSource);

    [Theory]
    [InlineData("\\\\server\\share\\model.bin")]
    [InlineData("file://\\\\server\\share\\model.bin")]
    [InlineData("file:////server/share/model.bin")]
    public void Source_uri_unc_forms_are_hostile(string uri) => AssertUriRefused(uri, RejectionReasons.HostilePath);

    [Theory]
    [InlineData("file:///data/in/x.bin?version=2")]
    [InlineData("file:///data/in/x.bin?")]
    [InlineData("file:///data/in/x.bin#/../../../etc/passwd")]
    [InlineData("file:///data/in/x.bin#")]
    [InlineData("file:///etc/passwd#/data/in/x.bin")]
    public void Source_uri_query_or_fragment_is_unsupported(string uri) => AssertUriRefused(uri, RejectionReasons.UnsupportedSource);

    [Theory]
    [InlineData("file:///data/in/../../etc/passwd")]
    [InlineData("file:///data/in/run/../../../etc/shadow")]
    [InlineData("file:///data/in/./x.bin")]
    [InlineData("file:///data/in/x/..")]
    [InlineData("file://localhost/../etc/passwd")]
    public void Source_uri_dot_segment_traversal_is_hostile(string uri) => AssertUriRefused(uri, RejectionReasons.HostilePath);

    [Theory]
    [InlineData("file:///data/in/..\\..\\etc\\passwd")]
    [InlineData("file:///data/in\\x.bin")]
    [InlineData("file:///data/in/x%5c..%5cy")]
    [InlineData("file:///data/in/x%5C..%5C..%5Cetc")]
    public void Source_uri_backslash_traversal_is_hostile(string uri) => AssertUriRefused(uri, RejectionReasons.HostilePath);

    [Theory]
    [InlineData("file:///data/in/%2e%2e/%2e%2e/etc/passwd")]
    [InlineData("file:///data/in/%2E%2E/etc/passwd")]
    [InlineData("file:///data/in/%2e%2E/x")]
    [InlineData("file:///data/in/.%2e/x")]
    [InlineData("file:///data/in/%2e./x")]
    [InlineData("file:///data/in/%2e/x")]
    [InlineData("file:///data/in/..%2fetc/passwd")]
    [InlineData("file:///data/in/%2e%2e%2f%2e%2e%2fetc%2fpasswd")]
    [InlineData("file:///data/in/x%2F..%2F..%2Fetc")]
    public void Source_uri_percent_encoded_traversal_is_hostile(string uri) => AssertUriRefused(uri, RejectionReasons.HostilePath);

    [Theory]
    [InlineData("file:///data/in/%252e%252e%252fetc%252fpasswd")]
    [InlineData("file:///data/in/%252E%252E/x")]
    [InlineData("file:///data/in/%25%32%65%25%32%65")]
    [InlineData("file:///data/in/%2525")]
    [InlineData("file:///data/in/100%25.bin")]
    public void Source_uri_double_percent_encoding_is_hostile(string uri) => AssertUriRefused(uri, RejectionReasons.HostilePath);

    [Theory]
    [InlineData("file:///data/in/%c0%ae%c0%ae/etc/passwd")]
    [InlineData("file:///data/in/%C0%AE%C0%AE%C0%AF")]
    [InlineData("file:///data/in/%e0%80%ae%e0%80%ae/x")]
    [InlineData("file:///data/in/%f0%80%80%ae")]
    [InlineData("file:///data/in/%c0%af")]
    [InlineData("file:///data/in/%ff")]
    [InlineData("file:///data/in/%ed%a0%80")]
    [InlineData("file:///data/in/%c3")]
    [InlineData("file:///data/in/%")]
    [InlineData("file:///data/in/%2")]
    [InlineData("file:///data/in/%zz")]
    public void Source_uri_overlong_or_invalid_utf8_and_malformed_escapes_are_hostile(string uri) =>
        AssertUriRefused(uri, RejectionReasons.HostilePath);

    [Theory]
    [InlineData("file:///data/in/x\0.bin")]
    [InlineData("file:///data/in/x%00.bin")]
    [InlineData("file:///data/in/x.bin\n")]
    [InlineData("file:///data/in/x%0a.bin")]
    [InlineData("file:///data/in/x%0D.bin")]
    [InlineData("file:///data/in/x%7f")]
    [InlineData("file:///data/in/x%c2%85")]
    [InlineData("\tfile:///data/in/x.bin")]
    public void Source_uri_nul_and_control_characters_are_hostile(string uri) => AssertUriRefused(uri, RejectionReasons.HostilePath);

    [Theory]
    [InlineData("file:///data/in/\uFF0E\uFF0E/etc/passwd")]
    [InlineData("file:///data/in/caf\u00e9.bin")]
    public void Source_uri_raw_non_ascii_is_hostile(string uri) => AssertUriRefused(uri, RejectionReasons.HostilePath);

    [Theory]
    [InlineData("file:///data/in//x.bin")]
    [InlineData("file:///data/in/x/")]
    public void Source_uri_empty_segments_are_hostile(string uri) => AssertUriRefused(uri, RejectionReasons.HostilePath);

    [Theory]
    [InlineData("file:///data/in/my model.bin")]
    [InlineData("file:///data/in/a\"b")]
    [InlineData("file:///data/in/a<b>")]
    [InlineData("file:///")]
    [InlineData("file://localhost")]
    public void Source_uri_that_is_not_a_well_formed_file_uri_is_an_invalid_value(string uri) =>
        AssertUriRefused(uri, RejectionReasons.InvalidValue);

    [Fact]
    public void Source_uri_of_4096_characters_is_accepted_and_4097_is_over_the_limit()
    {
        var prefix = "file:///data/in/";
        Assert.Null(ArtifactPaths.ValidateSourceUriSyntax(prefix + Valid.Repeat('x', 4096 - prefix.Length), UriField));
        AssertUriRefused(prefix + Valid.Repeat('x', 4097 - prefix.Length), RejectionReasons.LimitExceeded);
    }

    [Fact]
    public void Source_uri_that_is_empty_is_missing() => AssertUriRefused("", RejectionReasons.MissingField);

    // ---- allowed roots ----

    [Theory]
    [InlineData("file:///etc/passwd")]
    [InlineData("file:///data/in2/x.bin")]
    [InlineData("file:///data/inx")]
    [InlineData("file:///data/in")]
    [InlineData("file:///data/x.bin")]
    [InlineData("file:///root/.ssh/id_rsa")]
    public void Absolute_path_outside_the_allowed_roots_is_hostile(string uri)
    {
        Assert.Null(ArtifactPaths.ValidateSourceUriSyntax(uri, UriField));
        var (path, refusal) = ArtifactPaths.ResolveSource(uri, Roots, UriField);
        Assert.Null(path);
        Assert.Equal(RejectionReasons.HostilePath, refusal?.ReasonCode);
        Assert.StartsWith(UriField + ": ", refusal!.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/data/in/")]
    [InlineData("//data//in//")]
    [InlineData("/data/in")]
    public void Allowed_roots_are_compared_after_normalizing_slashes(string root)
    {
        var (path, refusal) = ArtifactPaths.ResolveSource("file:///data/in/x.bin", [root], UriField);
        Assert.Null(refusal);
        Assert.Equal("/data/in/x.bin", path);
        Assert.NotNull(ArtifactPaths.ResolveSource("file:///data/in2/x.bin", [root], UriField).Refusal);
    }

    [Fact]
    public void Any_of_several_allowed_roots_may_hold_the_source()
    {
        var (path, refusal) = ArtifactPaths.ResolveSource("file:///mnt/b/x.bin", ["/mnt/a", "/mnt/b"], UriField);
        Assert.Null(refusal);
        Assert.Equal("/mnt/b/x.bin", path);
    }

    [Theory]
    [InlineData("data/in")]
    [InlineData("/data/../data/in")]
    [InlineData("/data/./in")]
    [InlineData("")]
    public void Allowed_roots_that_are_not_clean_absolute_paths_match_nothing(string root)
    {
        Assert.Null(ArtifactPaths.NormalizeRoot(root));
        var (path, refusal) = ArtifactPaths.ResolveSource("file:///data/in/x.bin", [root], UriField);
        Assert.Null(path);
        Assert.Equal(RejectionReasons.HostilePath, refusal?.ReasonCode);
    }

    [Fact]
    public void No_allowed_roots_refuses_every_file_source_as_unsupported()
    {
        var (path, refusal) = ArtifactPaths.ResolveSource("file:///data/in/x.bin", [], UriField);
        Assert.Null(path);
        Assert.Equal(
            new Rejection(RejectionReasons.UnsupportedSource, $"{UriField}: no allowed source roots configured (Artifacts:AllowedSourceRoots)"),
            refusal);
    }

    [Fact]
    public void Messages_quote_hostile_input_without_its_control_characters()
    {
        var refusal = ArtifactPaths.ValidateRelativePath("a/../b\0", Field);
        Assert.NotNull(refusal);
        Assert.DoesNotContain('\0', refusal.Message);
        refusal = ArtifactPaths.ValidateSourceUriSyntax("s3://b/\u0001x", UriField);
        Assert.NotNull(refusal);
        Assert.DoesNotContain('\u0001', refusal.Message);
    }

    private static void AssertPathRefused(string path, string reason)
    {
        var refusal = ArtifactPaths.ValidateRelativePath(path, Field);
        Assert.Equal(reason, refusal?.ReasonCode);
        Assert.StartsWith(Field + ": ", refusal!.Message, StringComparison.Ordinal);
    }

    /// <summary>Refused both without roots (the registration rules) and with them (the store), for the same reason.</summary>
    private static void AssertUriRefused(string uri, string reason)
    {
        var syntax = ArtifactPaths.ValidateSourceUriSyntax(uri, UriField);
        Assert.Equal(reason, syntax?.ReasonCode);
        Assert.StartsWith(UriField + ": ", syntax!.Message, StringComparison.Ordinal);
        var (path, refusal) = ArtifactPaths.ResolveSource(uri, Roots, UriField);
        Assert.Null(path);
        Assert.Equal(syntax, refusal);
    }
}
