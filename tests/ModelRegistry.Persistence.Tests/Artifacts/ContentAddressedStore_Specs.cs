using System.Runtime.Versioning;
using System.Security.Cryptography;
using ModelRegistry.Contracts;

namespace ModelRegistry.Persistence.Tests.Artifacts;

[SupportedOSPlatform("linux")]
public sealed class ContentAddressedStore_Specs : IDisposable
{
    private readonly StoreSandbox sandbox = new();

    public void Dispose() => sandbox.Dispose();

    [Fact]
    public async Task Ingest_verifies_the_bytes_and_stores_them_read_only_at_their_content_address()
    {
        var bytes = Bytes(100_000, seed: 1);
        var file = StoreSandbox.Write(Path.Join(sandbox.In, "model.bin"), bytes);

        var result = await sandbox.Store.IngestAsync(file, "artifact.files[0]", default);

        Assert.Null(result.Refusal);
        Assert.Equal(file.Sha256, result.Sha256);
        Assert.Equal(bytes.Length, result.Size);
        Assert.False(result.Deduplicated);
        var expectedPath = Path.Join(sandbox.Root, "objects", file.Sha256[..2], file.Sha256);
        Assert.Equal(expectedPath, result.ObjectPath);
        Assert.Equal(expectedPath, sandbox.Store.ObjectPath(file.Sha256));
        Assert.Equal(bytes, await File.ReadAllBytesAsync(expectedPath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(expectedPath));
        Assert.Equal([expectedPath], sandbox.Objects);
        // Written without a name (O_TMPFILE) and linked into place: no temp file ever existed.
        Assert.False(Directory.Exists(Path.Join(sandbox.Root, "tmp")), "tmp/ was used");
    }

    [Fact]
    public async Task An_empty_file_is_stored_under_the_sha256_of_nothing()
    {
        var file = StoreSandbox.Write(Path.Join(sandbox.In, "empty"), []);

        var result = await sandbox.Store.IngestAsync(file, "artifact.files[0]", default);

        Assert.Null(result.Refusal);
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", result.Sha256);
        Assert.Equal(0, new FileInfo(result.ObjectPath).Length);
    }

    [Fact]
    public async Task Identical_content_from_two_sources_is_stored_once()
    {
        var bytes = Bytes(50_000, seed: 2);
        var first = StoreSandbox.Write(Path.Join(sandbox.In, "a.bin"), bytes);
        var second = StoreSandbox.Write(Path.Join(sandbox.In, "b.bin"), bytes);

        var one = await sandbox.Store.IngestAsync(first, "artifact.files[0]", default);
        var two = await sandbox.Store.IngestAsync(second, "artifact.files[1]", default);

        Assert.Null(one.Refusal);
        Assert.Null(two.Refusal);
        Assert.False(one.Deduplicated);
        Assert.True(two.Deduplicated);
        Assert.Equal(one.ObjectPath, two.ObjectPath);
        Assert.Equal(bytes.Length, two.Size);
        Assert.Single(sandbox.Objects);
        Assert.Empty(sandbox.Temps);
    }

    [Fact]
    public async Task A_stored_object_does_not_spare_verifying_the_source()
    {
        var bytes = Bytes(50_000, seed: 3);
        var stored = StoreSandbox.Write(Path.Join(sandbox.In, "good.bin"), bytes);
        Assert.Null((await sandbox.Store.IngestAsync(stored, "artifact.files[0]", default)).Refusal);

        // Same declaration, different bytes of the same size: the declaration alone must not pass.
        var tampered = (byte[])bytes.Clone();
        tampered[^1] ^= 0xFF;
        var liar = stored with { SourceUri = StoreSandbox.Uri(Path.Join(sandbox.In, "bad.bin")) };
        await File.WriteAllBytesAsync(Path.Join(sandbox.In, "bad.bin"), tampered);

        var result = await sandbox.Store.IngestAsync(liar, "artifact.files[1]", default);

        Assert.Equal(RejectionReasons.DigestMismatch, result.Refusal?.ReasonCode);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(tampered)), result.Sha256);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(sandbox.Store.ObjectPath(stored.Sha256)));
    }

    [Fact]
    public async Task A_digest_mismatch_is_refused_with_both_digests_and_leaves_nothing_behind()
    {
        var bytes = Bytes(10_000, seed: 4);
        var declared = Convert.ToHexStringLower(SHA256.HashData(Bytes(10_000, seed: 5)));
        var file = StoreSandbox.Write(Path.Join(sandbox.In, "model.bin"), bytes) with { Sha256 = declared };
        var actual = Convert.ToHexStringLower(SHA256.HashData(bytes));

        var result = await sandbox.Store.IngestAsync(file, "artifact.files[3]", default);

        Assert.Equal(RejectionReasons.DigestMismatch, result.Refusal?.ReasonCode);
        Assert.StartsWith("artifact.files[3].sha256: ", result.Refusal!.Message, StringComparison.Ordinal);
        Assert.Contains(declared, result.Refusal.Message, StringComparison.Ordinal);
        Assert.Contains(actual, result.Refusal.Message, StringComparison.Ordinal);
        Assert.Equal("", result.ObjectPath);
        Assert.Empty(sandbox.Objects);
        Assert.Empty(sandbox.Temps);
    }

    [Theory]
    [InlineData(9_999)]
    [InlineData(0)]
    [InlineData(10_001)]
    [InlineData(20_000_000)]
    public async Task A_size_mismatch_is_refused_with_both_sizes_and_leaves_nothing_behind(long declared)
    {
        var bytes = Bytes(10_000, seed: 6);
        var file = StoreSandbox.Write(Path.Join(sandbox.In, "model.bin"), bytes) with { Size = declared };

        var result = await sandbox.Store.IngestAsync(file, "artifact.files[0]", default);

        Assert.Equal(RejectionReasons.SizeMismatch, result.Refusal?.ReasonCode);
        Assert.StartsWith("artifact.files[0].size: ", result.Refusal!.Message, StringComparison.Ordinal);
        Assert.Contains($"declared {declared} bytes", result.Refusal.Message, StringComparison.Ordinal);
        // Too long: reading stops one byte past the declaration. Too short: the whole source is read.
        var read = declared < bytes.Length ? declared + 1 : bytes.Length;
        Assert.Equal(read, result.Size);
        Assert.Contains(read.ToString(System.Globalization.CultureInfo.InvariantCulture), result.Refusal.Message, StringComparison.Ordinal);
        Assert.Empty(sandbox.Objects);
        Assert.Empty(sandbox.Temps);
    }

    [Fact]
    public async Task A_missing_source_is_unreadable()
    {
        var file = StoreSandbox.Declare(Path.Join(sandbox.In, "nowhere.bin"), [1, 2, 3]);

        var result = await sandbox.Store.IngestAsync(file, "artifact.files[0]", default);

        Assert.Equal(RejectionReasons.SourceUnreadable, result.Refusal?.ReasonCode);
        Assert.StartsWith("artifact.files[0].sourceUri: ", result.Refusal!.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", result.Refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_source_larger_than_the_configured_maximum_is_refused_before_reading()
    {
        sandbox.Options.MaxFileBytes = 1000;
        var file = StoreSandbox.Write(Path.Join(sandbox.In, "model.bin"), Bytes(1001, seed: 7));

        var result = await sandbox.Store.IngestAsync(file, "artifact.files[0]", default);

        Assert.Equal(RejectionReasons.LimitExceeded, result.Refusal?.ReasonCode);
        Assert.Equal(0, result.Size);
    }

    [Fact]
    public async Task Verify_confirms_an_intact_object_and_detects_a_flipped_byte()
    {
        var bytes = Bytes(300_000, seed: 8);
        var file = StoreSandbox.Write(Path.Join(sandbox.In, "model.bin"), bytes);
        var stored = await sandbox.Store.IngestAsync(file, "artifact.files[0]", default);
        Assert.Equal(new(true, true, file.Sha256, bytes.Length), await sandbox.Store.VerifyAsync(file.Sha256, file.Size, default));

        File.SetUnixFileMode(stored.ObjectPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await using (var s = new FileStream(stored.ObjectPath, FileMode.Open, FileAccess.ReadWrite))
        {
            s.Position = 123_456;
            var b = s.ReadByte();
            s.Position = 123_456;
            s.WriteByte((byte)(b ^ 0x01));
        }

        var verified = await sandbox.Store.VerifyAsync(file.Sha256, file.Size, default);

        Assert.True(verified.Exists);
        Assert.False(verified.Ok);
        Assert.Equal(bytes.Length, verified.ActualSize);
        Assert.NotEqual(file.Sha256, verified.ActualSha256);
        Assert.Matches("^[0-9a-f]{64}\\z", verified.ActualSha256);
    }

    [Fact]
    public async Task Verify_reports_a_truncated_object_and_a_missing_one()
    {
        var file = StoreSandbox.Write(Path.Join(sandbox.In, "model.bin"), Bytes(1000, seed: 9));
        var stored = await sandbox.Store.IngestAsync(file, "artifact.files[0]", default);
        File.SetUnixFileMode(stored.ObjectPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await using (var s = new FileStream(stored.ObjectPath, FileMode.Open, FileAccess.Write)) s.SetLength(999);

        var truncated = await sandbox.Store.VerifyAsync(file.Sha256, file.Size, default);
        Assert.Equal((true, false, 999L), (truncated.Exists, truncated.Ok, truncated.ActualSize));

        var missing = await sandbox.Store.VerifyAsync(new string('0', 64), 1, default);
        Assert.Equal(new(false, false, "", 0), missing);
    }

    [Fact]
    public async Task A_damaged_object_of_the_wrong_size_is_replaced_by_a_verified_copy()
    {
        var bytes = Bytes(5000, seed: 10);
        var file = StoreSandbox.Write(Path.Join(sandbox.In, "model.bin"), bytes);
        var stored = await sandbox.Store.IngestAsync(file, "artifact.files[0]", default);
        File.SetUnixFileMode(stored.ObjectPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await File.WriteAllBytesAsync(stored.ObjectPath, [1, 2, 3]);

        var again = await sandbox.Store.IngestAsync(file, "artifact.files[0]", default);

        Assert.Null(again.Refusal);
        Assert.False(again.Deduplicated);
        Assert.True((await sandbox.Store.VerifyAsync(file.Sha256, file.Size, default)).Ok);
    }

    [Theory]
    [InlineData("0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("../../../../etc/passwd")]
    [InlineData("")]
    public void Object_paths_exist_only_for_lowercase_sha256_digests(string sha) =>
        Assert.Throws<ArgumentException>(() => sandbox.Store.ObjectPath(sha));

    [Fact]
    public async Task An_invalid_declared_digest_is_refused_before_anything_is_read()
    {
        var file = StoreSandbox.Write(Path.Join(sandbox.In, "model.bin"), [1]) with { Sha256 = "../../x" };

        var result = await sandbox.Store.IngestAsync(file, "artifact.files[0]", default);

        Assert.Equal(RejectionReasons.InvalidValue, result.Refusal?.ReasonCode);
        Assert.Empty(sandbox.Objects);
    }

    [Fact]
    public async Task Cancellation_leaves_no_temp_file()
    {
        var file = StoreSandbox.Write(Path.Join(sandbox.In, "model.bin"), Bytes(3 * 1024 * 1024, seed: 11));
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sandbox.Store.IngestAsync(file, "artifact.files[0]", cts.Token));

        Assert.Empty(sandbox.Objects);
        Assert.Empty(sandbox.Temps);
    }

    internal static byte[] Bytes(int count, int seed)
    {
        var bytes = new byte[count];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
