using System.Buffers;
using System.Security.Cryptography;

namespace ModelRegistry.Platform.Artifacts;

/// <summary>
/// Copies a stored object to a destination, hashing the bytes as they are written: they go to a new temp file beside the
/// destination and get the destination's name only when their size and SHA-256 match, so a reader of the destination
/// never sees bad or partial bytes. Streaming, one buffer; the bytes hashed are the bytes written.
/// </summary>
internal static class VerifiedCopy
{
    private const int BufferSize = 1024 * 1024;

    /// <summary>
    /// Copies <paramref name="source"/> to <paramref name="destination"/> (whose folder exists). An existing destination is
    /// replaced only with <paramref name="replace"/>; the rename replaces the name, never writes through a symlink there.
    /// </summary>
    public static async Task<CopyResult> CopyAsync(string source, string sha256, long size, string destination, bool replace, bool fsync,
        CancellationToken ct)
    {
        Microsoft.Win32.SafeHandles.SafeFileHandle input;
        try
        {
            input = File.OpenHandle(source, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return new CopyResult(destination, false, false, "", 0);
        }

        var folder = Path.GetDirectoryName(destination)!;
        // Hidden, unique, and created with O_EXCL: never an existing file, never through a symlink.
        var temp = Path.Join(folder, $".{Path.GetFileName(destination)}.{Guid.NewGuid():N}.partial");
        var named = false;
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            using (input)
            await using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
            {
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                long total = 0;
                int n;
                while ((n = await RandomAccess.ReadAsync(input, buffer.AsMemory(0, BufferSize), total, ct)) > 0)
                {
                    hash.AppendData(buffer, 0, n);
                    // A longer object is corrupt whatever follows: it is hashed to the end (for the report), not written.
                    if (total + n <= size) await output.WriteAsync(buffer.AsMemory(0, n), ct);
                    total += n;
                }
                var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
                if (actual != sha256 || total != size) return new CopyResult(destination, true, false, actual, total);
                // The bytes are durable before the name points at them.
                if (fsync) output.Flush(flushToDisk: true);
            }

            File.Move(temp, destination, replace);
            named = true;
            if (fsync) LinuxFiles.FsyncDirectory(folder);
            return new CopyResult(destination, true, true, sha256, size);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            if (!named) TryDelete(temp);
        }
    }

    private const int DirectoryType = 0x4000;

    /// <summary>
    /// Makes the folders from <paramref name="root"/> (which exists) down to <paramref name="destination"/>'s folder, one
    /// level at a time, refusing any component below the root that is not a real folder (a symlink there could point the
    /// write anywhere). Returns null when the folder is ready.
    /// </summary>
    public static Rules.Rejection? PrepareFolder(string root, string destination, string field)
    {
        var folder = root;
        var segments = destination[(root.TrimEnd('/').Length + 1)..].Split('/');
        foreach (var segment in segments[..^1])
        {
            folder = Path.Join(folder, segment);
            var found = LinuxFiles.Identity(folder, out var errno);
            if (found is null && errno == LinuxFiles.ENoEnt)
            {
                Directory.CreateDirectory(folder);
                found = LinuxFiles.Identity(folder, out errno);
            }
            if (found is null) throw new IOException($"{folder}: {LinuxFiles.Describe(errno)}", errno);
            if (found.Value.Type != DirectoryType)
                return new(Contracts.RejectionReasons.HostilePath, $"{field}: {folder} is a {found.Value.Kind}, not a folder; nothing is written through it");
        }
        return null;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The temp file never had the destination's name: what is left is a hidden *.partial, not bad bytes.
        }
    }
}
