using ModelRegistry.Platform.Artifacts;

namespace ModelRegistry.Persistence.Tests.Artifacts;

public class ArtifactStoreOptions_Specs
{
    [Fact]
    public void The_defaults_are_valid_and_allow_no_sources()
    {
        var options = new ArtifactStoreOptions();
        Assert.Empty(options.Validate());
        Assert.Equal("/var/lib/model-registry/artifacts", options.Root);
        Assert.Empty(options.AllowedSourceRoots);
        Assert.True(options.Fsync);
        Assert.Equal(1L << 40, options.MaxFileBytes);
    }

    [Theory]
    [InlineData("artifacts", "Artifacts:Root must be an absolute path without '.' or '..' segments")]
    [InlineData("", "Artifacts:Root must be an absolute path without '.' or '..' segments")]
    [InlineData("/var/lib/../tmp", "Artifacts:Root must be an absolute path without '.' or '..' segments")]
    [InlineData("/", "Artifacts:Root must not be '/'")]
    public void A_bad_root_is_named(string root, string expected) =>
        Assert.Equal([expected], new ArtifactStoreOptions { Root = root }.Validate());

    [Fact]
    public void Each_bad_source_root_is_named_by_its_index()
    {
        var options = new ArtifactStoreOptions { AllowedSourceRoots = ["/data/in", "data/in", "/", "/data/./x"] };
        Assert.Equal(
            [
                "Artifacts:AllowedSourceRoots[1] must be an absolute path without '.' or '..' segments",
                "Artifacts:AllowedSourceRoots[2] must not be '/' (that allows every file on the machine)",
                "Artifacts:AllowedSourceRoots[3] must be an absolute path without '.' or '..' segments",
            ],
            options.Validate());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData((1L << 40) + 1)]
    public void A_max_file_size_outside_1_byte_to_1_TiB_is_named(long max) =>
        Assert.Equal([$"Artifacts:MaxFileBytes {max} is outside 1-1099511627776"], new ArtifactStoreOptions { MaxFileBytes = max }.Validate());
}
