using System.Runtime.Versioning;
using ModelRegistry.Contracts;
using ModelRegistry.Platform.Artifacts;

namespace ModelRegistry.Persistence.Tests.Artifacts;

/// <summary>
/// ArchiveAsync and DeleteArchivedAsync: moving an object to the archive tier and deleting it there, idempotently, with every
/// state a crash can leave behind (both copies, a damaged archive copy) finished by running the move again.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class ArchiveTier_Specs : IDisposable
{
    private readonly StoreSandbox sandbox = new();

    public void Dispose() => sandbox.Dispose();

    private const UnixFileMode ReadOnly = UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    [Fact]
    public async Task Archiving_moves_the_bytes_to_the_archive_root_and_verify_and_fetch_read_them_there()
    {
        var (file, bytes) = await StoreAsync("model.bin", 2_500_000, seed: 21);

        await sandbox.Store.ArchiveAsync(file.Sha256, file.Size, default);

        var archived = Path.Join(sandbox.Root, "archive", "objects", file.Sha256[..2], file.Sha256);
        Assert.Equal(archived, sandbox.Store.ArchivePath(file.Sha256));
        Assert.Equal(ArtifactTier.Archive, sandbox.Store.Locate(file.Sha256));
        Assert.False(File.Exists(sandbox.Store.ObjectPath(file.Sha256)));
        Assert.Equal(bytes, await File.ReadAllBytesAsync(archived));
        Assert.Equal(ReadOnly, File.GetUnixFileMode(archived));
        // No hidden temp file is left beside it.
        Assert.Equal([archived], Directory.GetFiles(Path.Join(sandbox.Root, "archive"), "*", SearchOption.AllDirectories));

        var verified = await sandbox.Store.VerifyAsync(file.Sha256, file.Size, default);
        Assert.True(verified.Ok, $"verify: {verified}");
        var fetchTo = Directory.CreateDirectory(Path.Join(sandbox.Directory, "fetched")).FullName;
        var copy = await sandbox.Store.CopyVerifiedAsync(file.Sha256, file.Size, fetchTo, "weights/model.bin", replace: false, default);
        Assert.True(copy.Ok, $"fetch: {copy}");
        Assert.Equal(bytes, await File.ReadAllBytesAsync(Path.Join(fetchTo, "weights", "model.bin")));
    }

    [Fact]
    public async Task Archiving_again_changes_nothing()
    {
        var (file, bytes) = await StoreAsync("model.bin", 10_000, seed: 22);
        await sandbox.Store.ArchiveAsync(file.Sha256, file.Size, default);
        var archived = sandbox.Store.ArchivePath(file.Sha256);
        var before = File.GetLastWriteTimeUtc(archived);

        await sandbox.Store.ArchiveAsync(file.Sha256, file.Size, default);

        Assert.Equal(ArtifactTier.Archive, sandbox.Store.Locate(file.Sha256));
        Assert.Equal(bytes, await File.ReadAllBytesAsync(archived));
        Assert.Equal(before, File.GetLastWriteTimeUtc(archived));
    }

    [Fact]
    public async Task A_crash_between_the_copy_and_the_unlink_leaves_both_copies_and_archiving_again_only_unlinks_the_primary()
    {
        var (file, bytes) = await StoreAsync("model.bin", 10_000, seed: 23);
        var archived = sandbox.Store.ArchivePath(file.Sha256);
        Directory.CreateDirectory(Path.GetDirectoryName(archived)!);
        File.Copy(sandbox.Store.ObjectPath(file.Sha256), archived);
        var written = new FileInfo(archived).LastWriteTimeUtc;
        Assert.Equal(ArtifactTier.Primary | ArtifactTier.Archive, sandbox.Store.Locate(file.Sha256));

        await sandbox.Store.ArchiveAsync(file.Sha256, file.Size, default);

        Assert.Equal(ArtifactTier.Archive, sandbox.Store.Locate(file.Sha256));
        Assert.Equal(written, new FileInfo(archived).LastWriteTimeUtc);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(archived));
    }

    [Fact]
    public async Task An_archive_copy_of_the_wrong_size_is_replaced_from_the_primary_copy()
    {
        var (file, bytes) = await StoreAsync("model.bin", 10_000, seed: 24);
        var archived = sandbox.Store.ArchivePath(file.Sha256);
        Directory.CreateDirectory(Path.GetDirectoryName(archived)!);
        await File.WriteAllBytesAsync(archived, bytes[..5_000]);

        await sandbox.Store.ArchiveAsync(file.Sha256, file.Size, default);

        Assert.Equal(ArtifactTier.Archive, sandbox.Store.Locate(file.Sha256));
        Assert.Equal(bytes, await File.ReadAllBytesAsync(archived));
    }

    [Fact]
    public async Task A_corrupt_primary_copy_is_not_archived_and_stays_where_it_is()
    {
        var (file, bytes) = await StoreAsync("model.bin", 10_000, seed: 25);
        var primary = sandbox.Store.ObjectPath(file.Sha256);
        File.SetUnixFileMode(primary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var tampered = (byte[])bytes.Clone();
        tampered[42] ^= 0xFF;
        await File.WriteAllBytesAsync(primary, tampered);

        var e = await Assert.ThrowsAsync<InvalidDataException>(() => sandbox.Store.ArchiveAsync(file.Sha256, file.Size, default));

        Assert.Contains($"object {file.Sha256} is corrupt in the primary store", e.Message, StringComparison.Ordinal);
        Assert.Equal(ArtifactTier.Primary, sandbox.Store.Locate(file.Sha256));
        Assert.Equal(tampered, await File.ReadAllBytesAsync(primary));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(sandbox.Store.ArchivePath(file.Sha256))!));
    }

    [Fact]
    public async Task An_object_in_neither_tier_cannot_be_archived()
    {
        var sha = new string('c', 64);

        var e = await Assert.ThrowsAsync<FileNotFoundException>(() => sandbox.Store.ArchiveAsync(sha, 10, default));

        Assert.Contains($"object {sha} is in neither the primary store", e.Message, StringComparison.Ordinal);
        Assert.Equal(ArtifactTier.None, sandbox.Store.Locate(sha));
    }

    [Fact]
    public async Task Deleting_removes_the_archive_copy_only_and_never_a_primary_copy_stored_again_since()
    {
        var (file, bytes) = await StoreAsync("model.bin", 10_000, seed: 26);
        await sandbox.Store.ArchiveAsync(file.Sha256, file.Size, default);
        // A new registration of the same bytes stores them in the primary store again.
        var again = await sandbox.Store.IngestAsync(file, "artifact.files[0]", default);
        Assert.Null(again.Refusal);
        Assert.Equal(ArtifactTier.Primary | ArtifactTier.Archive, sandbox.Store.Locate(file.Sha256));

        Assert.True(await sandbox.Store.DeleteArchivedAsync(file.Sha256, default));
        Assert.False(await sandbox.Store.DeleteArchivedAsync(file.Sha256, default));

        Assert.Equal(ArtifactTier.Primary, sandbox.Store.Locate(file.Sha256));
        Assert.Equal(bytes, await File.ReadAllBytesAsync(sandbox.Store.ObjectPath(file.Sha256)));
    }

    [Fact]
    public async Task A_deleted_archived_object_is_missing_for_verify_and_fetch()
    {
        var (file, _) = await StoreAsync("model.bin", 10_000, seed: 27);
        await sandbox.Store.ArchiveAsync(file.Sha256, file.Size, default);

        Assert.True(await sandbox.Store.DeleteArchivedAsync(file.Sha256, default));

        Assert.Equal(ArtifactTier.None, sandbox.Store.Locate(file.Sha256));
        Assert.False((await sandbox.Store.VerifyAsync(file.Sha256, file.Size, default)).Exists);
        var fetchTo = Directory.CreateDirectory(Path.Join(sandbox.Directory, "fetched")).FullName;
        var copy = await sandbox.Store.CopyVerifiedAsync(file.Sha256, file.Size, fetchTo, "model.bin", replace: false, default);
        Assert.False(copy.Exists);
        Assert.Empty(Directory.GetFiles(fetchTo));
    }

    private async Task<(ArtifactFile File, byte[] Bytes)> StoreAsync(string name, int size, int seed)
    {
        var bytes = ContentAddressedStore_Specs.Bytes(size, seed);
        var file = StoreSandbox.Write(Path.Join(sandbox.In, name), bytes);
        var stored = await sandbox.Store.IngestAsync(file, "artifact.files[0]", default);
        Assert.Null(stored.Refusal);
        return (file, bytes);
    }
}
