using System.Buffers;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using ModelRegistry.Contracts;
using ModelRegistry.Domain;

namespace ModelRegistry.Persistence.Artifacts;

/// <summary>
/// Keeps artifact files at <c>Root/objects/ab/&lt;sha256&gt;</c> (one level of 256 folders, as git does: each new folder costs
/// an inode allocation, the dearest part of storing a small file on ext4) after reading them from an allowed source root and
/// checking their declared size and SHA-256. Linux only.
/// </summary>
/// <remarks>
/// <para>A source is opened only after three checks, none of which opens it: the URI is lexically inside an allowed
/// root (<see cref="ArtifactPaths.ResolveSource"/>); its real path, every symlink followed, is inside the real path of
/// an allowed root; and it is a regular file (statx, no FIFO, device, socket or directory).</para>
/// <para>The check-then-open race (a component swapped for a symlink, or the file for a FIFO, between the checks and the
/// open) is closed by taking an O_PATH descriptor of the checked path, which names the file without opening it for
/// I/O; verifying that descriptor (readlink of /proc/self/fd/N equals the checked real path, statx shows the same
/// regular file); and then opening the file for reading through /proc/self/fd/N, which reopens exactly that inode,
/// whatever happens to the names meanwhile.</para>
/// </remarks>
public sealed class ContentAddressedStore : IArtifactStore
{
    private readonly ArtifactStoreOptions options;

    // Durability is grouped: concurrent ingests share one syncfs of the store's file system (see GroupSync).
    private readonly GroupSync durable;

    public ContentAddressedStore(ArtifactStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.options = options;
        durable = new GroupSync(() => LinuxFiles.SyncFileSystem(options.Root));
    }

    private const int BufferSize = 1024 * 1024;

    private const UnixFileMode ReadOnly = UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private static readonly bool Supported = OperatingSystem.IsLinux() && Directory.Exists("/proc/self/fd");

    public string ObjectPath(string sha256)
    {
        if (!RegistrationRules.IsSha256(sha256)) throw new ArgumentException($"'{sha256}' is not 64 lowercase hex digits", nameof(sha256));
        return Path.Join(options.Root, "objects", sha256[..2], sha256);
    }

    public async Task<IngestResult> IngestAsync(ArtifactFile file, string field, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (!Supported) throw new PlatformNotSupportedException("The artifact store needs Linux with /proc mounted (realpath, statx, O_PATH, /proc/self/fd).");

        if (!RegistrationRules.IsSha256(file.Sha256))
            return Refused(RejectionReasons.InvalidValue, $"{field}.Sha256: not 64 lowercase hex digits");
        if (file.Size < 0)
            return Refused(RejectionReasons.InvalidValue, $"{field}.Size: {file.Size} is negative");
        if (file.Size > options.MaxFileBytes)
            return Refused(RejectionReasons.LimitExceeded, $"{field}.Size: {file.Size} bytes, at most {options.MaxFileBytes} (Artifacts:MaxFileBytes)");

        var sourceField = $"{field}.SourceUri";
        var (path, refusal) = ArtifactPaths.ResolveSource(file.SourceUri, options.AllowedSourceRoots, sourceField);
        if (refusal is not null) return Refused(refusal);

        var (source, notOpened) = OpenSource(path!, sourceField);
        if (notOpened is not null) return Refused(notOpened);
        using (source)
        {
            return await CopyAsync(source!, file, field, sourceField, ct);
        }
    }

    public async Task<VerifyResult> VerifyAsync(string sha256, long size, CancellationToken ct)
    {
        var path = ObjectPath(sha256);
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return new VerifyResult(false, false, "", 0);
        }

        using (handle)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
            try
            {
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                long total = 0;
                int n;
                while ((n = await RandomAccess.ReadAsync(handle, buffer.AsMemory(0, BufferSize), total, ct)) > 0)
                {
                    hash.AppendData(buffer, 0, n);
                    total += n;
                }
                var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
                return new VerifyResult(true, actual == sha256 && total == size, actual, total);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>Hashes the source while copying it to a temp file, unless the object is already stored; then commits.</summary>
    private async Task<IngestResult> CopyAsync(SafeFileHandle source, ArtifactFile file, string field, string sourceField, CancellationToken ct)
    {
        var objectPath = ObjectPath(file.Sha256);
        // The declaration is never trusted: a stored object only spares the copy, the source is still read and hashed.
        var alreadyStored = StoredSize(objectPath) == file.Size;

        string? tempPath = null;
        FileStream? temp = null;
        // Small files take small buffers: a megabyte per tiny config file costs more than reading it.
        var bufferSize = (int)Math.Clamp(file.Size + 1, 4096, BufferSize);
        var buffer = ArrayPool<byte>.Shared.Rent(bufferSize);
        try
        {
            if (!alreadyStored)
            {
                var tempDirectory = Path.Join(options.Root, "tmp");
                EnsureDirectory(tempDirectory);
                tempPath = Path.Join(tempDirectory, $"{Guid.NewGuid():N}.part");
                temp = new FileStream(tempPath, new FileStreamOptions
                {
                    Mode = FileMode.CreateNew,
                    Access = FileAccess.Write,
                    Share = FileShare.None,
                    BufferSize = 0,
                });
            }

            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long total = 0;
            while (true)
            {
                // One byte more than declared is enough to know the source is too long; reading on would be wasted work.
                var wanted = (int)Math.Min(buffer.Length, file.Size - total + 1);
                int n;
                try
                {
                    n = await RandomAccess.ReadAsync(source, buffer.AsMemory(0, wanted), total, ct);
                }
                catch (IOException e)
                {
                    return Refused(RejectionReasons.SourceUnreadable, $"{sourceField}: read failed after {total} bytes: {e.Message}", total);
                }
                if (n == 0) break;
                total += n;
                if (total > file.Size)
                    return Refused(RejectionReasons.SizeMismatch,
                        $"{field}.Size: declared {file.Size} bytes, the source has more ({total} read before stopping)", total);
                hash.AppendData(buffer, 0, n);
                if (temp is not null) await temp.WriteAsync(buffer.AsMemory(0, n), ct);
            }

            if (total != file.Size)
                return Refused(RejectionReasons.SizeMismatch, $"{field}.Size: declared {file.Size} bytes, the source has {total}", total);
            var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
            if (actual != file.Sha256)
                return Refused(RejectionReasons.DigestMismatch, $"{field}.Sha256: declared {file.Sha256}, the source's bytes hash to {actual}",
                    total, actual);

            if (temp is null)
            {
                // Stored already, perhaps a moment ago by a concurrent ingest whose sync is still to come.
                if (options.Fsync) await durable.SyncAsync().WaitAsync(ct);
                return new IngestResult(null, actual, total, true, objectPath);
            }

            await temp.DisposeAsync();
            temp = null;
            // Objects are immutable; read-only keeps a stray write from corrupting one. (The guard is for the analyzer.)
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(tempPath!, ReadOnly);
            // The bytes are durable before a name points at them, and the name is durable before the caller records it.
            if (options.Fsync) await durable.SyncAsync().WaitAsync(ct);
            var deduplicated = Commit(tempPath!, objectPath, total);
            tempPath = null;
            if (options.Fsync) await durable.SyncAsync().WaitAsync(ct);
            return new IngestResult(null, actual, total, deduplicated, objectPath);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            if (temp is not null) await temp.DisposeAsync();
            if (tempPath is not null) TryDelete(tempPath);
        }
    }

    /// <summary>Moves a verified, durable temp file to its content address; true when an intact object was there first. The caller
    /// makes the new name durable.</summary>
    private bool Commit(string tempPath, string objectPath, long size)
    {
        var directory = Path.GetDirectoryName(objectPath)!;
        EnsureDirectory(directory);
        bool deduplicated;
        try
        {
            // overwrite: false is link(2) + unlink(2) on Linux: atomic, and it never replaces an object.
            File.Move(tempPath, objectPath, overwrite: false);
            deduplicated = false;
        }
        catch (IOException) when (File.Exists(objectPath))
        {
            // Another ingest of the same bytes won the race. An object of the wrong size is damaged: replace it.
            deduplicated = StoredSize(objectPath) == size;
            if (deduplicated) File.Delete(tempPath);
            else File.Move(tempPath, objectPath, overwrite: true);
        }
        return deduplicated;
    }

    /// <summary>Opens a lexically allowed source for reading, or says why it may not be opened. See the class remarks.</summary>
    private (SafeFileHandle? Handle, Rejection? Refusal) OpenSource(string path, string field)
    {
        var realPath = LinuxFiles.RealPath(path, out var errno);
        if (realPath is null) return (null, Unreadable(field, path, errno));

        var realRoots = options.AllowedSourceRoots
            .Select(ArtifactPaths.NormalizeRoot)
            .OfType<string>()
            .Select(root => LinuxFiles.RealPath(root, out _))
            .OfType<string>();
        if (!realRoots.Any(root => ArtifactPaths.IsInside(realPath, root)))
            return (null, new(RejectionReasons.HostilePath, $"{field}: {path} resolves through a symlink to a place outside the allowed source roots"));

        if (LinuxFiles.Identity(realPath, out errno) is not { } checkedFile) return (null, Unreadable(field, path, errno));
        if (!checkedFile.IsRegular) return (null, new(RejectionReasons.SourceUnreadable, $"{field}: {path} is a {checkedFile.Kind}, not a regular file"));

        var pathFd = LinuxFiles.OpenPathOnly(realPath, out errno);
        if (pathFd < 0) return (null, Unreadable(field, path, errno));
        try
        {
            var procPath = $"/proc/self/fd/{pathFd}";
            if (new FileInfo(procPath).LinkTarget != realPath || LinuxFiles.Identity(pathFd, out _) != checkedFile)
                return (null, Changed(field, path));

            SafeFileHandle handle;
            try
            {
                handle = File.OpenHandle(procPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, FileOptions.SequentialScan);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return (null, new(RejectionReasons.SourceUnreadable, $"{field}: {path} cannot be opened: {e.Message}"));
            }
            if (LinuxFiles.Identity((int)handle.DangerousGetHandle(), out _) != checkedFile)
            {
                handle.Dispose();
                return (null, Changed(field, path));
            }
            return (handle, null);
        }
        finally
        {
            LinuxFiles.Close(pathFd);
        }
    }

    /// <summary>Creates a directory and any missing parents; with Fsync, makes each new entry durable in its parent.</summary>
    private void EnsureDirectory(string directory)
    {
        if (Directory.Exists(directory)) return;
        var parent = Path.GetDirectoryName(directory);
        if (parent is not null) EnsureDirectory(parent);
        Directory.CreateDirectory(directory);
        if (options.Fsync && parent is not null) LinuxFiles.FsyncDirectory(parent);
    }

    private static long StoredSize(string objectPath)
    {
        var info = new FileInfo(objectPath);
        return info.Exists ? info.Length : -1;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A leftover *.part in tmp/ holds no object and is never read; it is not worth failing the ingest over.
        }
    }

    private static Rejection Unreadable(string field, string path, int errno) =>
        new(RejectionReasons.SourceUnreadable, errno == LinuxFiles.ENoEnt
            ? $"{field}: {path} does not exist"
            : $"{field}: {path} cannot be read: {LinuxFiles.Describe(errno)}");

    private static Rejection Changed(string field, string path) =>
        new(RejectionReasons.HostilePath, $"{field}: {path} changed while it was being opened");

    private static IngestResult Refused(Rejection refusal) => new(refusal, "", 0, false, "");

    private static IngestResult Refused(string code, string message, long size = 0, string sha256 = "") =>
        new(new Rejection(code, message), sha256, size, false, "");
}
