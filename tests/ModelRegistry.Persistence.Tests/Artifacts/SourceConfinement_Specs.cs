using ModelRegistry.Contracts;
using ModelRegistry.Platform.Artifacts;

namespace ModelRegistry.Persistence.Tests.Artifacts;

/// <summary>Sources are read only from inside the allowed roots, whatever symlinks say, and only if they are regular files.</summary>
public sealed class SourceConfinement_Specs : IDisposable
{
    private readonly StoreSandbox sandbox = new();

    public void Dispose() => sandbox.Dispose();

    [Fact]
    public async Task A_symlink_inside_the_root_pointing_outside_is_hostile()
    {
        var secret = StoreSandbox.Write(Path.Join(sandbox.Outside, "secret.bin"), [1, 2, 3, 4]);
        var link = Path.Join(sandbox.In, "model.bin");
        File.CreateSymbolicLink(link, Path.Join(sandbox.Outside, "secret.bin"));

        var result = await Ingest(secret with { SourceUri = StoreSandbox.Uri(link) });

        AssertRefused(result, RejectionReasons.HostilePath);
    }

    [Fact]
    public async Task A_relative_symlink_climbing_out_of_the_root_is_hostile()
    {
        var secret = StoreSandbox.Write(Path.Join(sandbox.Outside, "secret.bin"), [5, 6, 7]);
        var link = Path.Join(sandbox.In, "model.bin");
        File.CreateSymbolicLink(link, "../outside/secret.bin");

        var result = await Ingest(secret with { SourceUri = StoreSandbox.Uri(link) });

        AssertRefused(result, RejectionReasons.HostilePath);
    }

    [Fact]
    public async Task A_symlinked_directory_component_escaping_the_root_is_hostile()
    {
        var secret = StoreSandbox.Write(Path.Join(sandbox.Outside, "secret.bin"), [8, 9]);
        Directory.CreateSymbolicLink(Path.Join(sandbox.In, "run-1"), sandbox.Outside);

        var result = await Ingest(secret with { SourceUri = StoreSandbox.Uri(Path.Join(sandbox.In, "run-1", "secret.bin")) });

        AssertRefused(result, RejectionReasons.HostilePath);
    }

    [Fact]
    public async Task A_symlink_into_a_sibling_that_shares_the_roots_prefix_is_hostile()
    {
        var file = StoreSandbox.Write(Path.Join(sandbox.In2, "model.bin"), [1]);
        var link = Path.Join(sandbox.In, "model.bin");
        File.CreateSymbolicLink(link, Path.Join(sandbox.In2, "model.bin"));

        var result = await Ingest(file with { SourceUri = StoreSandbox.Uri(link) });

        AssertRefused(result, RejectionReasons.HostilePath);
    }

    [Fact]
    public async Task A_source_in_a_sibling_that_shares_the_roots_prefix_is_hostile()
    {
        var file = StoreSandbox.Write(Path.Join(sandbox.In2, "model.bin"), [1, 2]);

        var result = await Ingest(file);

        AssertRefused(result, RejectionReasons.HostilePath);
        Assert.Empty(sandbox.Objects);
    }

    [Fact]
    public async Task A_symlink_pointing_at_a_fifo_outside_the_root_is_hostile_without_blocking()
    {
        var fifo = Path.Join(sandbox.Outside, "pipe");
        StoreSandbox.MakeFifo(fifo);
        var link = Path.Join(sandbox.In, "model.bin");
        File.CreateSymbolicLink(link, fifo);
        var file = StoreSandbox.Declare(link, [1, 2, 3]);

        var result = await StoreSandbox.WithoutBlocking(() => Ingest(file), fifo);

        AssertRefused(result, RejectionReasons.HostilePath);
    }

    [Fact]
    public async Task A_fifo_inside_the_root_is_unreadable_without_blocking()
    {
        var fifo = Path.Join(sandbox.In, "model.bin");
        StoreSandbox.MakeFifo(fifo);
        var file = StoreSandbox.Declare(fifo, [1, 2, 3]);

        var result = await StoreSandbox.WithoutBlocking(() => Ingest(file), fifo);

        AssertRefused(result, RejectionReasons.SourceUnreadable);
        Assert.Contains("FIFO", result.Refusal!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_symlink_inside_the_root_pointing_at_a_fifo_inside_the_root_is_unreadable_without_blocking()
    {
        var fifo = Path.Join(sandbox.In, "pipe");
        StoreSandbox.MakeFifo(fifo);
        var link = Path.Join(sandbox.In, "model.bin");
        File.CreateSymbolicLink(link, fifo);

        var result = await StoreSandbox.WithoutBlocking(() => Ingest(StoreSandbox.Declare(link, [1])), fifo);

        AssertRefused(result, RejectionReasons.SourceUnreadable);
    }

    [Fact]
    public async Task A_directory_is_unreadable()
    {
        var directory = Path.Join(sandbox.In, "model.bin");
        Directory.CreateDirectory(directory);

        var result = await Ingest(StoreSandbox.Declare(directory, [1]));

        AssertRefused(result, RejectionReasons.SourceUnreadable);
        Assert.Contains("directory", result.Refusal!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_character_device_reached_through_a_symlink_is_refused_without_reading()
    {
        var link = Path.Join(sandbox.In, "model.bin");
        File.CreateSymbolicLink(link, "/dev/zero");

        var result = await Ingest(StoreSandbox.Declare(link, [0]));

        AssertRefused(result, RejectionReasons.HostilePath);
    }

    [Fact]
    public async Task A_symlink_that_stays_inside_the_root_is_followed()
    {
        var bytes = new byte[] { 42, 43, 44 };
        StoreSandbox.Write(Path.Join(sandbox.In, "real.bin"), bytes);
        var link = Path.Join(sandbox.In, "model.bin");
        File.CreateSymbolicLink(link, "real.bin");

        var result = await Ingest(StoreSandbox.Declare(link, bytes));

        Assert.Null(result.Refusal);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(result.ObjectPath));
    }

    [Fact]
    public async Task An_allowed_root_that_is_itself_a_symlink_is_resolved()
    {
        var (alias, store) = StoreWithAliasedRoot();

        var result = await store.IngestAsync(StoreSandbox.Declare(Path.Join(alias, "model.bin"), AliasedBytes), "artifact.files[0]", default);

        Assert.Null(result.Refusal);
    }

    [Fact]
    public async Task An_allowed_root_symlink_pointed_elsewhere_after_first_use_does_not_allow_the_new_place()
    {
        var (alias, store) = StoreWithAliasedRoot();
        Assert.Null((await store.IngestAsync(StoreSandbox.Declare(Path.Join(alias, "model.bin"), AliasedBytes), "artifact.files[0]", default)).Refusal);

        File.Delete(alias);
        Directory.CreateSymbolicLink(alias, sandbox.Outside);
        StoreSandbox.Write(Path.Join(sandbox.Outside, "secret.bin"), AliasedBytes);
        var result = await store.IngestAsync(StoreSandbox.Declare(Path.Join(alias, "secret.bin"), AliasedBytes), "artifact.files[0]", default);

        Assert.Equal(RejectionReasons.HostilePath, result.Refusal?.ReasonCode);
    }

    private static readonly byte[] AliasedBytes = [1, 2, 3];

    /// <summary>A store whose one allowed root is a symlink (in-alias) to in/, which holds model.bin.</summary>
    private (string Alias, ContentAddressedStore Store) StoreWithAliasedRoot()
    {
        var alias = Path.Join(sandbox.Directory, "in-alias");
        Directory.CreateSymbolicLink(alias, sandbox.In);
        StoreSandbox.Write(Path.Join(sandbox.In, "model.bin"), AliasedBytes);
        return (alias, new ContentAddressedStore(new ArtifactStoreOptions { Root = sandbox.Root, AllowedSourceRoots = [alias], Fsync = false }));
    }

    [Fact]
    public async Task A_lexical_escape_is_refused_before_the_file_system_is_consulted()
    {
        var secret = StoreSandbox.Write(Path.Join(sandbox.Outside, "secret.bin"), [1]);
        var escaping = StoreSandbox.Uri(sandbox.In) + "/%2e%2e/outside/secret.bin";

        var result = await Ingest(secret with { SourceUri = escaping });

        AssertRefused(result, RejectionReasons.HostilePath);
    }

    [Fact]
    public async Task Without_allowed_roots_every_file_source_is_unsupported()
    {
        var store = new ContentAddressedStore(new ArtifactStoreOptions { Root = sandbox.Root });
        var file = StoreSandbox.Write(Path.Join(sandbox.In, "model.bin"), [1]);

        var result = await store.IngestAsync(file, "artifact.files[0]", default);

        Assert.Equal(RejectionReasons.UnsupportedSource, result.Refusal?.ReasonCode);
        Assert.Equal("artifact.files[0].sourceUri: no allowed source roots configured (Artifacts:AllowedSourceRoots)", result.Refusal!.Message);
    }

    private Task<IngestResult> Ingest(ArtifactFile file) => sandbox.Store.IngestAsync(file, "artifact.files[0]", default);

    private void AssertRefused(IngestResult result, string reason)
    {
        Assert.Equal(reason, result.Refusal?.ReasonCode);
        Assert.StartsWith("artifact.files[0].sourceUri: ", result.Refusal!.Message, StringComparison.Ordinal);
        Assert.Equal("", result.ObjectPath);
        Assert.Empty(sandbox.Objects);
        Assert.Empty(sandbox.Temps);
    }
}
