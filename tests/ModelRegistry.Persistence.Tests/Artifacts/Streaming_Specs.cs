using System.Security.Cryptography;

namespace ModelRegistry.Persistence.Tests.Artifacts;

/// <summary>Tests in this collection run after all others, one at a time.</summary>
[CollectionDefinition(nameof(RunsAlone), DisableParallelization = true)]
public sealed class RunsAlone;

/// <summary>Runs alone: it measures the whole process's allocations.</summary>
[Collection(nameof(RunsAlone))]
public sealed class Streaming_Specs : IDisposable
{
    private const int FileSize = 64 * 1024 * 1024;
    private readonly StoreSandbox sandbox = new();

    public void Dispose() => sandbox.Dispose();

    [Fact]
    public async Task A_64_MiB_file_is_streamed_not_buffered()
    {
        var path = Path.Join(sandbox.In, "big.bin");
        var sha256 = WritePattern(path, FileSize);
        var file = new Contracts.ArtifactFile { Path = "big.bin", Role = "weights", Sha256 = sha256, Size = FileSize, SourceUri = StoreSandbox.Uri(path) };

        // Warm up (JIT, pooled buffer) on a small file so only the big ingest is measured.
        var small = StoreSandbox.Write(Path.Join(sandbox.In, "small.bin"), [1, 2, 3]);
        Assert.Null((await sandbox.Store.IngestAsync(small, "artifact.files[0]", default)).Refusal);

        var before = GC.GetTotalAllocatedBytes(precise: true);
        var result = await sandbox.Store.IngestAsync(file, "artifact.files[1]", default);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.Null(result.Refusal);
        Assert.Equal(FileSize, new FileInfo(result.ObjectPath).Length);
        // Buffering the file, or a fresh 1 MiB buffer per read, would allocate at least 64 MiB.
        Assert.True(allocated < FileSize / 4, $"allocated {allocated:N0} bytes while ingesting {FileSize:N0}");

        // The deduplicating path reads and hashes the source again, still without buffering it.
        before = GC.GetTotalAllocatedBytes(precise: true);
        var again = await sandbox.Store.IngestAsync(file, "artifact.files[1]", default);
        allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.True(again.Deduplicated);
        Assert.True(allocated < FileSize / 4, $"allocated {allocated:N0} bytes while verifying {FileSize:N0}");
    }

    [Fact]
    public async Task A_64_MiB_object_is_copied_out_streamed_not_buffered()
    {
        var path = Path.Join(sandbox.In, "big.bin");
        var sha256 = WritePattern(path, FileSize);
        var file = new Contracts.ArtifactFile { Path = "big.bin", Role = "weights", Sha256 = sha256, Size = FileSize, SourceUri = StoreSandbox.Uri(path) };
        Assert.Null((await sandbox.Store.IngestAsync(file, "artifact.files[0]", default)).Refusal);
        var output = Directory.CreateDirectory(Path.Join(sandbox.Directory, "fetched")).FullName;
        var small = StoreSandbox.Write(Path.Join(sandbox.In, "small.bin"), [1, 2, 3]);
        Assert.Null((await sandbox.Store.IngestAsync(small, "artifact.files[1]", default)).Refusal);
        Assert.True((await sandbox.Store.CopyVerifiedAsync(small.Sha256, small.Size, output, "warm-up.bin", false, default)).Ok);

        var before = GC.GetTotalAllocatedBytes(precise: true);
        var copy = await sandbox.Store.CopyVerifiedAsync(sha256, FileSize, output, "weights/big.bin", false, default);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.True(copy.Ok);
        Assert.Equal(FileSize, new FileInfo(Path.Join(output, "weights/big.bin")).Length);
        Assert.True(allocated < FileSize / 4, $"allocated {allocated:N0} bytes while copying {FileSize:N0}");
    }

    /// <summary>Writes a deterministic pattern in 1 MiB chunks and returns its SHA-256.</summary>
    private static string WritePattern(string path, int size)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var chunk = new byte[1024 * 1024];
        new Random(64).NextBytes(chunk);
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        for (var written = 0; written < size; written += chunk.Length)
        {
            chunk[0] = (byte)(written >> 20);
            stream.Write(chunk);
            hash.AppendData(chunk);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
