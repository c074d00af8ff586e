using System.Runtime.Versioning;
using System.Security.Cryptography;
using ModelRegistry.Contracts;
using ModelRegistry.Platform.Artifacts;

namespace ModelRegistry.Persistence.Tests.Artifacts;

/// <summary>
/// <see cref="IArtifactStore.CopyVerifiedAsync"/>, what <c>mreg artifact fetch</c> and <c>mreg reproduce</c> write with: the
/// bytes get the destination's name only when they match, and nothing is written outside the destination folder.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class VerifiedCopy_Specs : IDisposable
{
    private readonly StoreSandbox sandbox = new();
    private readonly string output;

    public VerifiedCopy_Specs() => output = Directory.CreateDirectory(Path.Join(sandbox.Directory, "fetched")).FullName;

    public void Dispose() => sandbox.Dispose();

    private async Task<ArtifactFile> StoredAsync(byte[] bytes, string name = "weights.bin")
    {
        var file = StoreSandbox.Write(Path.Join(sandbox.In, name), bytes);
        Assert.Null((await sandbox.Store.IngestAsync(file, "artifact.files[0]", default)).Refusal);
        return file;
    }

    /// <summary>Every file under the output folder, hidden temp files included.</summary>
    private string[] Written => Directory.GetFiles(output, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(output, f)).Order().ToArray();

    private void Overwrite(string sha256, byte[] bytes)
    {
        var path = sandbox.Store.ObjectPath(sha256);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllBytes(path, bytes);
    }

    [Fact]
    public async Task A_stored_object_is_written_at_its_path_with_its_bytes()
    {
        var bytes = "the weights"u8.ToArray();
        var file = await StoredAsync(bytes);

        var copy = await sandbox.Store.CopyVerifiedAsync(file.Sha256, file.Size, output, "model/weights.bin", false, default);

        Assert.True(copy.Ok);
        Assert.Equal(Path.Join(output, "model/weights.bin"), copy.Destination);
        Assert.Equal((file.Sha256, file.Size), (copy.ActualSha256, copy.ActualSize));
        Assert.Equal(bytes, await File.ReadAllBytesAsync(copy.Destination));
        Assert.Equal(["model/weights.bin"], Written);
    }

    [Theory]
    [InlineData("tampered weights")]
    [InlineData("the weightz")]
    [InlineData("the weights and then some more bytes")]
    [InlineData("")]
    public async Task A_corrupted_object_leaves_nothing_at_the_destination_and_says_what_the_bytes_hash_to(string stored)
    {
        var file = await StoredAsync("the weights"u8.ToArray());
        var corrupt = System.Text.Encoding.UTF8.GetBytes(stored);
        Overwrite(file.Sha256, corrupt);

        var copy = await sandbox.Store.CopyVerifiedAsync(file.Sha256, file.Size, output, "weights.bin", false, default);

        Assert.True(copy.Exists);
        Assert.False(copy.Ok);
        Assert.Equal((Convert.ToHexStringLower(SHA256.HashData(corrupt)), (long)corrupt.Length), (copy.ActualSha256, copy.ActualSize));
        Assert.Empty(Written);
    }

    [Fact]
    public async Task A_missing_object_leaves_nothing()
    {
        var copy = await sandbox.Store.CopyVerifiedAsync(new string('e', 64), 10, output, "weights.bin", false, default);

        Assert.False(copy.Exists);
        Assert.Empty(Written);
    }

    [Fact]
    public async Task A_folder_below_the_destination_that_is_a_symlink_is_not_written_through()
    {
        var file = await StoredAsync("the weights"u8.ToArray());
        File.CreateSymbolicLink(Path.Join(output, "escape"), sandbox.Outside);

        var copy = await sandbox.Store.CopyVerifiedAsync(file.Sha256, file.Size, output, "escape/weights.bin", false, default);

        Assert.Equal(RejectionReasons.HostilePath, copy.Refusal?.ReasonCode);
        Assert.Contains("is a symbolic link, not a folder", copy.Refusal!.Message);
        Assert.Empty(Directory.GetFileSystemEntries(sandbox.Outside));
    }

    [Fact]
    public async Task A_hostile_path_is_refused_before_anything_is_written()
    {
        var file = await StoredAsync("the weights"u8.ToArray());

        var copy = await sandbox.Store.CopyVerifiedAsync(file.Sha256, file.Size, output, "../outside/weights.bin", false, default);

        Assert.Equal(RejectionReasons.HostilePath, copy.Refusal?.ReasonCode);
        Assert.Empty(Directory.GetFileSystemEntries(sandbox.Outside));
        Assert.Empty(Written);
    }

    [Fact]
    public async Task An_existing_file_is_replaced_only_when_asked()
    {
        var file = await StoredAsync("the weights"u8.ToArray());
        var destination = Path.Join(output, "weights.bin");
        await File.WriteAllTextAsync(destination, "old");

        await Assert.ThrowsAsync<IOException>(() => sandbox.Store.CopyVerifiedAsync(file.Sha256, file.Size, output, "weights.bin", false, default));
        Assert.Equal("old", await File.ReadAllTextAsync(destination));
        Assert.Equal(["weights.bin"], Written);

        Assert.True((await sandbox.Store.CopyVerifiedAsync(file.Sha256, file.Size, output, "weights.bin", true, default)).Ok);
        Assert.Equal("the weights", await File.ReadAllTextAsync(destination));
    }

    [Fact]
    public async Task A_symlink_at_the_destination_is_replaced_not_written_through()
    {
        var file = await StoredAsync("the weights"u8.ToArray());
        var victim = Path.Join(sandbox.Outside, "victim.txt");
        await File.WriteAllTextAsync(victim, "keep me");
        File.CreateSymbolicLink(Path.Join(output, "weights.bin"), victim);

        Assert.True((await sandbox.Store.CopyVerifiedAsync(file.Sha256, file.Size, output, "weights.bin", true, default)).Ok);

        Assert.Equal("keep me", await File.ReadAllTextAsync(victim));
        Assert.Null(new FileInfo(Path.Join(output, "weights.bin")).LinkTarget);
        Assert.Equal("the weights", await File.ReadAllTextAsync(Path.Join(output, "weights.bin")));
    }
}
