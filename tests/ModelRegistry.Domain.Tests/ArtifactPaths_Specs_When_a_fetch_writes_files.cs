using ModelRegistry.Contracts;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Domain.Tests;

/// <summary><c>mreg artifact fetch</c> and <c>mreg reproduce</c> write each file at its manifest path under a folder, and only there.</summary>
public class ArtifactPaths_Specs_When_a_fetch_writes_files
{
    private const string Field = "path";

    [Theory]
    [InlineData("/tmp/out", "model.safetensors", "/tmp/out/model.safetensors")]
    [InlineData("/tmp/out/", "tokenizer/vocab.json", "/tmp/out/tokenizer/vocab.json")]
    [InlineData("/tmp//out", ".hidden", "/tmp/out/.hidden")]
    [InlineData("/", "x.bin", "/x.bin")]
    public void A_manifest_path_is_written_below_the_folder(string root, string path, string expected)
    {
        var (destination, refusal) = ArtifactPaths.Destination(root, path, Field);
        Assert.Null(refusal);
        Assert.Equal(expected, destination);
    }

    [Theory]
    [InlineData("../etc/passwd")]
    [InlineData("..")]
    [InlineData("a/../../etc/passwd")]
    [InlineData("/etc/passwd")]
    [InlineData("..\\..\\etc\\passwd")]
    [InlineData("%2e%2e/etc/passwd")]
    [InlineData("a//b")]
    [InlineData("a/./b")]
    [InlineData("C:/Windows/x")]
    [InlineData("ａ／..／x")]
    [InlineData("a\0b")]
    [InlineData("...")]
    public void A_hostile_manifest_path_cannot_escape_the_folder(string path)
    {
        var (destination, refusal) = ArtifactPaths.Destination("/tmp/out", path, Field);
        Assert.Null(destination);
        Assert.Equal(RejectionReasons.HostilePath, refusal!.ReasonCode);
        Assert.StartsWith($"{Field}: ", refusal.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("out")]
    [InlineData("/tmp/../etc")]
    [InlineData("/tmp/./out")]
    public void A_folder_that_is_not_a_clean_absolute_path_is_refused(string root)
    {
        var (destination, refusal) = ArtifactPaths.Destination(root, "model.bin", Field);
        Assert.Null(destination);
        Assert.Contains("is not an absolute path without '.' or '..' segments", refusal!.Message);
    }

    [Fact]
    public void Every_accepted_destination_is_strictly_inside_the_folder()
    {
        string[] paths = ["a", "a/b", "x..", "...x", ".a/.b", "a-b_c+d=e@f,g.bin"];
        foreach (var path in paths)
        {
            var (destination, _) = ArtifactPaths.Destination("/srv/models/fraud", path, Field);
            Assert.True(ArtifactPaths.IsInside(destination!, "/srv/models/fraud"), destination);
            Assert.Equal(path, destination!["/srv/models/fraud/".Length..]);
        }
    }
}
