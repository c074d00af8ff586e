using ModelRegistry.Deployments.Rules;

namespace ModelRegistry.Domain.Tests.Deployments;

public class ImpactTarget_Specs
{
    [Theory]
    [InlineData("sha256:aaaa", null, null)]
    [InlineData("imagenet-subset", null, null)]
    [InlineData("imagenet-subset@2026-10", "imagenet-subset", "2026-10")]
    [InlineData("team@corp/reviews@v3", "team@corp/reviews", "v3")]
    [InlineData("@v3", null, null)]
    [InlineData("reviews@", null, null)]
    public void A_data_set_is_matched_by_its_text_and_by_name_and_version_split_at_the_last_at(string text, string? name, string? version)
    {
        var (target, problem) = ImpactTarget.Dataset(text);
        Assert.Null(problem);
        Assert.Equal((ImpactKind.Dataset, text, name, version), (target!.Kind, target.Text, target.Name, target.Version));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    public void A_blank_data_set_is_refused(string? text) =>
        Assert.Equal("--dataset: give a digest (sha256:...), NAME or NAME@VERSION", ImpactTarget.Dataset(text).Problem);

    [Fact]
    public void A_data_set_longer_than_a_name_at_and_version_is_refused() =>
        Assert.Contains("at most 301", ImpactTarget.Dataset(new string('x', 302)).Problem);

    [Theory]
    [InlineData("0123456", "0123456")]
    [InlineData("ABCDEF0123", "abcdef0123")]
    [InlineData("0123456789abcdef0123456789abcdef01234567", "0123456789abcdef0123456789abcdef01234567")]
    public void A_commit_is_7_to_64_hex_digits_taken_lowercase(string text, string expected)
    {
        var (target, problem) = ImpactTarget.Commit(text);
        Assert.Null(problem);
        Assert.Equal((ImpactKind.Commit, expected), (target!.Kind, target.Text));
    }

    [Theory]
    [InlineData("012345")]
    [InlineData("0123456g")]
    [InlineData("main")]
    [InlineData("")]
    public void Anything_else_is_not_a_commit(string text) =>
        Assert.Contains("is not 7-64 hex digits", ImpactTarget.Commit(text).Problem);

    [Fact]
    public void A_commit_longer_than_64_hex_digits_is_refused() =>
        Assert.Contains("is not 7-64 hex digits", ImpactTarget.Commit(new string('a', 65)).Problem);

    [Theory]
    [InlineData("fraud", "fraud", null)]
    [InlineData("fraud:3", "fraud", 3)]
    [InlineData("llama-3.1_8b:12", "llama-3.1_8b", 12)]
    public void A_base_model_is_a_name_with_an_optional_version(string text, string name, int? version)
    {
        var (target, problem) = ImpactTarget.BaseModel(text);
        Assert.Null(problem);
        Assert.Equal((ImpactKind.BaseModel, name, version), (target!.Kind, target.Name, target.ModelVersion));
    }

    [Theory]
    [InlineData("Fraud", "--base-model: 'Fraud' is not a model name")]
    [InlineData("fraud:0", "--base-model: '0' is not a version number")]
    [InlineData("fraud:-1", "--base-model: '-1' is not a version number")]
    [InlineData("fraud:v3", "--base-model: 'v3' is not a version number")]
    [InlineData("fraud:", "--base-model: '' is not a version number")]
    [InlineData(":3", "--base-model: '' is not a model name")]
    public void A_bad_base_model_names_what_is_wrong(string text, string expected) =>
        Assert.StartsWith(expected, ImpactTarget.BaseModel(text).Problem);
}
