using System.Buffers;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using ModelRegistry.Contracts;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Platform.Artifacts;

/// <summary>
/// Keeps artifact files at <c>Root/objects/ab/&lt;sha256&gt;</c> (one level of 256 folders, as git does: each new folder costs
/// an inode allocation, the dearest part of storing a small file on ext4) after reading them from an allowed source root and
/// checking their declared size and SHA-256. Linux only.
/// </summary>
/// <remarks>
/// <para>A source is opened for reading only after three checks, none of which opens it for I/O: the URI is lexically inside an
/// allowed root (<see cref="ArtifactPaths.ResolveSource"/>); the path the kernel resolved, every symlink followed, is inside the
/// real path of an allowed root; and it is a regular file (no FIFO, device, socket or directory).</para>
/// <para>The check-then-open race (a component swapped for a symlink, or the file for a FIFO, between the checks and the open)
/// cannot arise: the path is first resolved into an O_PATH descriptor, which names the file without opening it for I/O; the
/// checks read the descriptor itself (readlink of /proc/self/fd/N for the resolved path, statx for the type); and the file is
/// then opened through /proc/self/fd/N, which reopens exactly that inode whatever happens to the names meanwhile (and statx
/// confirms it).</para>
/// <para>New objects are written to a file without a name (O_TMPFILE) in their own folder and linked to their address once
/// verified and durable, so a refused, cancelled or crashed ingest leaves nothing behind; a file system without O_TMPFILE gets
/// a named temp file under <c>tmp/</c>, renamed into place.</para>
/// </remarks>
public sealed partial class ContentAddressedStore : IArtifactStore
{
    private readonly ArtifactStoreOptions options;

    // Durability is grouped: concurrent ingests share one syncfs of the store's file system (see GroupSync).
    private readonly GroupSync durable;

    public ContentAddressedStore(ArtifactStoreOptions options)
        : this(options, anonymousTemps: true)
    {
    }

    /// <summary>With <paramref name="anonymousTemps"/> false, behaves as on a file system without O_TMPFILE (for tests).</summary>
    internal ContentAddressedStore(ArtifactStoreOptions options, bool anonymousTemps)
    {
        this.anonymousTemps = anonymousTemps;
        ArgumentNullException.ThrowIfNull(options);
        this.options = options;
        durable = new GroupSync(() => LinuxFiles.SyncFileSystem(options.Root));
    }

    private const int BufferSize = 1024 * 1024;

    private const UnixFileMode ReadOnly = UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private static readonly bool Supported = OperatingSystem.IsLinux() && Directory.Exists("/proc/self/fd");

    public string ObjectPath(string sha256)
    {
        if (!FieldRules.IsSha256Hex(sha256)) throw new ArgumentException($"'{sha256}' is not 64 lowercase hex digits", nameof(sha256));
        return Path.Join(options.Root, "objects", sha256[..2], sha256);
    }

    public async Task<IngestResult> IngestAsync(ArtifactFile file, string field, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (!Supported) throw new PlatformNotSupportedException("The artifact store needs Linux with /proc mounted (statx, O_PATH, /proc/self/fd).");

        if (!FieldRules.IsSha256Hex(file.Sha256))
            return Refused(RejectionReasons.InvalidValue, $"{field}.sha256: not 64 lowercase hex digits");
        if (file.Size < 0)
            return Refused(RejectionReasons.InvalidValue, $"{field}.size: {file.Size} is negative");
        if (file.Size > options.MaxFileBytes)
            return Refused(RejectionReasons.LimitExceeded, $"{field}.size: {file.Size} bytes, at most {options.MaxFileBytes} (Artifacts:MaxFileBytes)");

        var sourceField = $"{field}.sourceUri";
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
        var path = ReadPath(sha256);
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

    public async Task<CopyResult> CopyVerifiedAsync(string sha256, long size, string destinationRoot, string path, bool replace, CancellationToken ct)
    {
        var (destination, refusal) = ArtifactPaths.Destination(destinationRoot, path, "path");
        if (refusal is not null) return CopyResult.Refused(refusal);
        if (VerifiedCopy.PrepareFolder(ArtifactPaths.NormalizeRoot(destinationRoot)!, destination!, "path") is { } notFolder)
            return CopyResult.Refused(notFolder);
        return await VerifiedCopy.CopyAsync(ReadPath(sha256), sha256, size, destination!, replace, options.Fsync, ct);
    }

    /// <summary>
    /// Where an object's bytes are read from: its content address in the primary store, else its place in the archive
    /// tier (retention moves objects there), so verify and fetch read archived objects too.
    /// </summary>
    private string ReadPath(string sha256)
    {
        var primary = ObjectPath(sha256);
        return File.Exists(primary) ? primary : ArchivePath(sha256) is { } archived && File.Exists(archived) ? archived : primary;
    }

    /// <summary>Hashes the source while copying it to a new file, unless the object is already stored; then names it.</summary>
    private async Task<IngestResult> CopyAsync(SafeFileHandle source, ArtifactFile file, string field, string sourceField, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var objectPath = ObjectPath(file.Sha256);
        // The declaration is never trusted: a stored object only spares the copy, the source is still read and hashed.
        var alreadyStored = StoredSize(objectPath) == file.Size;

        // Small files are read and written synchronously: a page-cache copy of a few kilobytes is quicker than the thread-pool
        // hop of an asynchronous file call, and it takes small buffers (a megabyte per tiny config file costs more than reading it).
        var small = file.Size < SynchronousBelow;
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Clamp(file.Size + 1, 4096, BufferSize));
        var temp = default(TempFile);
        try
        {
            if (!alreadyStored) temp = CreateTemp(objectPath);

            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long total = 0;
            while (true)
            {
                // One byte more than declared is enough to know the source is too long; reading on would be wasted work.
                var wanted = (int)Math.Min(buffer.Length, file.Size - total + 1);
                int n;
                try
                {
                    n = small
                        ? RandomAccess.Read(source, buffer.AsSpan(0, wanted), total)
                        : await RandomAccess.ReadAsync(source, buffer.AsMemory(0, wanted), total, ct);
                }
                catch (IOException e)
                {
                    return Refused(RejectionReasons.SourceUnreadable, $"{sourceField}: read failed after {total} bytes: {e.Message}", total);
                }
                if (n == 0) break;
                if (total + n > file.Size)
                    return Refused(RejectionReasons.SizeMismatch,
                        $"{field}.size: declared {file.Size} bytes, the source has more ({total + n} read before stopping)", total + n);
                hash.AppendData(buffer, 0, n);
                if (temp.Handle is { } output)
                {
                    if (small) RandomAccess.Write(output, buffer.AsSpan(0, n), total);
                    else await RandomAccess.WriteAsync(output, buffer.AsMemory(0, n), total, ct);
                }
                total += n;
            }

            if (total != file.Size)
                return Refused(RejectionReasons.SizeMismatch, $"{field}.size: declared {file.Size} bytes, the source has {total}", total);
            var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
            if (actual != file.Sha256)
                return Refused(RejectionReasons.DigestMismatch, $"{field}.sha256: declared {file.Sha256}, the source's bytes hash to {actual}",
                    total, actual);

            if (temp.Handle is null)
            {
                // Stored already, perhaps a moment ago by a concurrent ingest whose sync is still to come.
                if (options.Fsync) await durable.SyncAsync().WaitAsync(ct);
                return new IngestResult(null, actual, total, true, objectPath);
            }

            // The bytes are durable before a name points at them, and the name is durable before the caller records it.
            if (options.Fsync) await durable.SyncAsync().WaitAsync(ct);
            var deduplicated = Commit(ref temp, objectPath, total);
            if (options.Fsync) await durable.SyncAsync().WaitAsync(ct);
            return new IngestResult(null, actual, total, deduplicated, objectPath);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            temp.Handle?.Dispose();
            if (temp.Name is not null) TryDelete(temp.Name);
        }
    }

    /// <summary>Files of fewer declared bytes are copied with synchronous reads and writes.</summary>
    private const long SynchronousBelow = 64 * 1024;

    /// <summary>A file being written: anonymous (no <see cref="Name"/>) where the file system has O_TMPFILE, else tmp/*.part.</summary>
    private record struct TempFile(SafeFileHandle? Handle, string? Name);

    // Cleared for good when the store's file system turns out to have no O_TMPFILE.
    private volatile bool anonymousTemps;

    /// <summary>
    /// A new, read-only file for an object: without a name, in the object's own folder, so that a crash or a refusal leaves
    /// nothing behind and naming it costs one link; where the file system cannot do that, a named temp file under tmp/.
    /// </summary>
    private TempFile CreateTemp(string objectPath)
    {
        var directory = Path.GetDirectoryName(objectPath)!;
        if (anonymousTemps)
        {
            EnsureDirectory(directory);
            var handle = LinuxFiles.CreateAnonymous(directory, ReadOnly, out var errno);
            if (handle is null && errno == LinuxFiles.ENoEnt)
            {
                // The folder was removed behind the store's back: make it again.
                knownDirectories.TryRemove(directory, out _);
                EnsureDirectory(directory);
                handle = LinuxFiles.CreateAnonymous(directory, ReadOnly, out errno);
            }
            if (handle is not null) return new TempFile(handle, null);
            if (errno is not (LinuxFiles.EOpNotSupp or LinuxFiles.EIsDir or LinuxFiles.EInval))
                throw new IOException($"open O_TMPFILE in {directory}: {LinuxFiles.Describe(errno)}", errno);
            anonymousTemps = false;
        }
        var tempDirectory = Path.Join(options.Root, "tmp");
        EnsureDirectory(tempDirectory);
        var name = Path.Join(tempDirectory, $"{Guid.NewGuid():N}.part");
        return new TempFile(File.OpenHandle(name, FileMode.CreateNew, FileAccess.Write, FileShare.None), name);
    }

    /// <summary>Gives a verified, durable temp file its content address; true when an intact object was there first. The caller
    /// makes the new name durable.</summary>
    private bool Commit(ref TempFile temp, string objectPath, long size)
    {
        if (temp.Name is not null)
        {
            temp.Handle!.Dispose();
            // Objects are immutable; read-only keeps a stray write from corrupting one. (The guard is for the analyzer.)
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(temp.Name, ReadOnly);
            EnsureDirectory(Path.GetDirectoryName(objectPath)!);
            try
            {
                // overwrite: false never replaces an object.
                File.Move(temp.Name, objectPath, overwrite: false);
                temp = temp with { Name = null };
                return false;
            }
            catch (IOException) when (File.Exists(objectPath))
            {
                if (StoredSize(objectPath) == size) return true; // the finally deletes the temp file
            }
        }
        else
        {
            var error = LinuxFiles.Link(temp.Handle!, objectPath);
            if (error == 0) return false;
            if (error != LinuxFiles.EExist) throw new IOException($"linkat {objectPath}: {LinuxFiles.Describe(error)}", error);
            if (StoredSize(objectPath) == size) return true;
            // A name is needed to rename over the damaged object.
            var tempDirectory = Path.Join(options.Root, "tmp");
            EnsureDirectory(tempDirectory);
            var name = Path.Join(tempDirectory, $"{Guid.NewGuid():N}.part");
            error = LinuxFiles.Link(temp.Handle!, name);
            if (error != 0) throw new IOException($"linkat {name}: {LinuxFiles.Describe(error)}", error);
            temp = temp with { Name = name };
        }
        // Another ingest of the same bytes won the race, or an object of the wrong size is there: damaged, so it is replaced.
        File.Move(temp.Name!, objectPath, overwrite: true);
        temp = temp with { Name = null };
        return false;
    }

    /// <summary>Opens a lexically allowed source for reading, or says why it may not be opened. See the class remarks.</summary>
    private (SafeFileHandle? Handle, Rejection? Refusal) OpenSource(string path, string field)
    {
        // Names the file, every symlink followed, without opening it for I/O: a FIFO does not block, a device is not called.
        var pathFd = LinuxFiles.OpenPathOnly(path, out var errno);
        if (pathFd < 0) return (null, Unreadable(field, path, errno));
        try
        {
            // Where the kernel went, read from the descriptor itself: nothing can change between this check and the open.
            var realPath = LinuxFiles.PathOf(pathFd, out errno);
            if (realPath is null) return (null, Unreadable(field, path, errno));
            if (!options.AllowedSourceRoots.Any(root => IsInsideRealRoot(realPath, root)))
                return (null, new(RejectionReasons.HostilePath, $"{field}: {path} resolves through a symlink to a place outside the allowed source roots"));

            if (LinuxFiles.Identity(pathFd, out errno) is not { } checkedFile) return (null, Unreadable(field, path, errno));
            if (!checkedFile.IsRegular) return (null, new(RejectionReasons.SourceUnreadable, $"{field}: {path} is a {checkedFile.Kind}, not a regular file"));

            var handle = LinuxFiles.OpenForReading(LinuxFiles.ProcPath(pathFd), out errno);
            if (handle is null) return (null, new(RejectionReasons.SourceUnreadable, $"{field}: {path} cannot be opened: {LinuxFiles.Describe(errno)}"));
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

    private bool IsInsideRealRoot(string realPath, string root) =>
        RealRoot(root) is { } realRoot && ArtifactPaths.IsInside(realPath, realRoot);

    /// <summary>
    /// Where an allowed root really is, resolved the first time it is found and kept. Keeping it cannot widen what is allowed:
    /// if the root's path is later pointed elsewhere, sources found there are outside the kept place and refused. A root
    /// that cannot be resolved yet is asked about again next time.
    /// </summary>
    private string? RealRoot(string root)
    {
        if (realRoots.TryGetValue(root, out var known)) return known;
        if (ArtifactPaths.NormalizeRoot(root) is not { } normalized || LinuxFiles.RealPath(normalized, out _) is not { } resolved) return null;
        return realRoots.GetOrAdd(root, resolved);
    }

    private readonly ConcurrentDictionary<string, string> realRoots = new(StringComparer.Ordinal);

    /// <summary>Creates a directory and any missing parents; with Fsync, makes each new entry durable in its parent. A folder
    /// seen once is not asked about again (the store never removes one).</summary>
    private void EnsureDirectory(string directory)
    {
        if (knownDirectories.ContainsKey(directory)) return;
        if (!Directory.Exists(directory))
        {
            var parent = Path.GetDirectoryName(directory);
            if (parent is not null) EnsureDirectory(parent);
            Directory.CreateDirectory(directory);
            if (options.Fsync && parent is not null) LinuxFiles.FsyncDirectory(parent);
        }
        knownDirectories.TryAdd(directory, 0);
    }

    private readonly ConcurrentDictionary<string, byte> knownDirectories = new(StringComparer.Ordinal);

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
