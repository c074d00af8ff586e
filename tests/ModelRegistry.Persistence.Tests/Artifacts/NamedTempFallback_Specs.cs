using System.Runtime.Versioning;
using ModelRegistry.Contracts;
using ModelRegistry.Platform.Artifacts;

namespace ModelRegistry.Persistence.Tests.Artifacts;

/// <summary>The store on a file system without O_TMPFILE: new objects go through a named temp file under tmp/.</summary>
[SupportedOSPlatform("linux")]
public sealed class NamedTempFallback_Specs : IDisposable
{
    private readonly StoreSandbox sandbox = new();
    private readonly ContentAddressedStore store;

    public NamedTempFallback_Specs() => store = new ContentAddressedStore(sandbox.Options, anonymousTemps: false);

    public void Dispose() => sandbox.Dispose();

    [Fact]
    public async Task A_new_object_is_stored_read_only_at_its_address_and_its_temp_file_is_gone()
    {
        var bytes = ContentAddressedStore_Specs.Bytes(100_000, seed: 21);
        var file = StoreSandbox.Write(Path.Join(sandbox.In, "model.bin"), bytes);

        var result = await store.IngestAsync(file, "artifact.files[0]", default);
        var again = await store.IngestAsync(file, "artifact.files[0]", default);

        Assert.Null(result.Refusal);
        Assert.False(result.Deduplicated);
        Assert.True(again.Deduplicated);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(result.ObjectPath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(result.ObjectPath));
        Assert.Equal([result.ObjectPath], sandbox.Objects);
        Assert.Empty(sandbox.Temps);
    }

    [Fact]
    public async Task A_refused_copy_leaves_no_temp_file()
    {
        var file = StoreSandbox.Write(Path.Join(sandbox.In, "model.bin"), ContentAddressedStore_Specs.Bytes(5000, seed: 22)) with
        {
            Sha256 = new string('0', 64),
        };

        var result = await store.IngestAsync(file, "artifact.files[0]", default);

        Assert.Equal(RejectionReasons.DigestMismatch, result.Refusal?.ReasonCode);
        Assert.True(Directory.Exists(Path.Join(sandbox.Root, "tmp")), "the copy went through tmp/");
        Assert.Empty(sandbox.Temps);
        Assert.Empty(sandbox.Objects);
    }

    [Fact]
    public async Task A_damaged_object_is_replaced_by_a_verified_copy()
    {
        var file = StoreSandbox.Write(Path.Join(sandbox.In, "model.bin"), ContentAddressedStore_Specs.Bytes(5000, seed: 23));
        var stored = await store.IngestAsync(file, "artifact.files[0]", default);
        File.SetUnixFileMode(stored.ObjectPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await File.WriteAllBytesAsync(stored.ObjectPath, [1, 2, 3]);

        var again = await store.IngestAsync(file, "artifact.files[0]", default);

        Assert.Null(again.Refusal);
        Assert.False(again.Deduplicated);
        Assert.True((await store.VerifyAsync(file.Sha256, file.Size, default)).Ok);
        Assert.Empty(sandbox.Temps);
    }
}
