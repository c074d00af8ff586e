using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace ModelRegistry.Platform.Artifacts;

/// <summary>
/// The few Linux calls .NET does not expose: statx (file type and identity without opening), O_PATH descriptors and the
/// path the kernel resolved for one, plain opens (no advisory lock, no extra fstat), anonymous files (O_TMPFILE) given a
/// name with linkat, fsync of a directory, and syncfs. Needs glibc 2.28+ or musl 1.2.5+ (for statx).
/// </summary>
/// <remarks>
/// <c>DllImport</c> rather than <c>LibraryImport</c>: the generated marshalling needs unsafe code, which this project
/// does not allow. Only blittable arguments and UTF-8 strings cross, so the runtime marshaller is fine.
/// </remarks>
internal static class LinuxFiles
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxType = 0x1;
    private const uint StatxIno = 0x100;
    private const int StatxSize = 0x100;

    // Same value on every Linux architecture .NET runs on (asm-generic/fcntl.h).
    private const int ORdOnly = 0;
    private const int OWrOnly = 1;
    private const int OCloExec = 0x80000;
    private const int OPath = 0x200000;

    // O_TMPFILE is __O_TMPFILE | O_DIRECTORY, and O_DIRECTORY differs: 0x4000 on ARM and POWER, 0x10000 elsewhere.
    private static readonly int OTmpFile = 0x400000 | (RuntimeInformation.ProcessArchitecture
        is Architecture.Arm or Architecture.Arm64 or Architecture.Armv6 or Architecture.Ppc64le ? 0x4000 : 0x10000);

    private const int AtSymlinkFollow = 0x400;

    public const int ENoEnt = 2;
    public const int EExist = 17;
    public const int EIsDir = 21;
    public const int EInval = 22;
    public const int EOpNotSupp = 95;

    /// <summary>A file's type and identity: device and inode name one file however it was reached.</summary>
    public readonly record struct FileIdentity(int Type, ulong Device, ulong Inode)
    {
        public const int Regular = 0x8000;
        public bool IsRegular => Type == Regular;

        public string Kind => Type switch
        {
            Regular => "regular file",
            0x4000 => "directory",
            0x1000 => "FIFO",
            0x2000 => "character device",
            0x6000 => "block device",
            0xC000 => "socket",
            0xA000 => "symbolic link",
            _ => $"file of type 0x{Type:X}",
        };
    }

    /// <summary>
    /// The path the kernel resolved for an open descriptor (readlink of /proc/self/fd/N): canonical, every symlink in every
    /// component followed, at the moment of the open. Null and errno when it cannot be read.
    /// </summary>
    public static string? PathOf(int fd, out int errno)
    {
        Span<byte> buffer = stackalloc byte[4096];
        var length = readlink(ProcPath(fd), ref MemoryMarshal.GetReference(buffer), buffer.Length);
        if (length < 0)
        {
            errno = Marshal.GetLastPInvokeError();
            return null;
        }
        errno = 0;
        // A full buffer may be a truncated path: refuse it rather than compare a prefix.
        if (length >= buffer.Length)
        {
            errno = ENameTooLong;
            return null;
        }
        return System.Text.Encoding.UTF8.GetString(buffer[..(int)length]);
    }

    private const int ENameTooLong = 36;

    /// <summary>The canonical path of <paramref name="path"/> (see <see cref="PathOf"/>); nothing is opened for I/O.</summary>
    public static string? RealPath(string path, out int errno)
    {
        var fd = OpenPathOnly(path, out errno);
        if (fd < 0) return null;
        try
        {
            return PathOf(fd, out errno);
        }
        finally
        {
            Close(fd);
        }
    }

    /// <summary>/proc/self/fd/N: opening it opens the very file descriptor N refers to, whatever its names have become.</summary>
    public static string ProcPath(int fd) => $"/proc/self/fd/{fd}";

    /// <summary>lstat-like: the entry itself, never what a final symlink points to. Nothing is opened.</summary>
    public static FileIdentity? Identity(string path, out int errno) => Statx(AtFdCwd, path, AtSymlinkNoFollow, out errno);

    /// <summary>fstat-like: the file an open descriptor refers to.</summary>
    public static FileIdentity? Identity(int fd, out int errno) => Statx(fd, "", AtEmptyPath, out errno);

    /// <summary>
    /// A descriptor that names a file without opening it for I/O (O_PATH): no read permission is used, a FIFO does not
    /// block, a device driver is not called. Returns -1 and errno on failure.
    /// </summary>
    public static int OpenPathOnly(string path, out int errno)
    {
        var fd = open(path, OPath | OCloExec);
        errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        return fd;
    }

    public static void Close(int fd) => _ = close(fd);

    /// <summary>
    /// Opens <paramref name="path"/> for reading with a bare open(2): no advisory lock and no extra fstat, which .NET's own
    /// opens add. Null and errno on failure.
    /// </summary>
    public static SafeFileHandle? OpenForReading(string path, out int errno)
    {
        var fd = open(path, ORdOnly | OCloExec);
        errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        return fd < 0 ? null : new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>
    /// A new file without a name in <paramref name="directory"/> (O_TMPFILE), open for writing, with the given permissions:
    /// if it is never linked, closing it leaves nothing behind. Null and errno on failure (EOPNOTSUPP, EISDIR or EINVAL
    /// when the file system or kernel has no O_TMPFILE).
    /// </summary>
    public static SafeFileHandle? CreateAnonymous(string directory, UnixFileMode mode, out int errno)
    {
        var fd = open(directory, OTmpFile | OWrOnly | OCloExec, (int)mode);
        errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        return fd < 0 ? null : new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>Gives the file <paramref name="handle"/> refers to the name <paramref name="path"/>; never replaces an entry
    /// (EEXIST). Returns 0 or errno.</summary>
    public static int Link(SafeFileHandle handle, string path)
    {
        var added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            return linkat(AtFdCwd, ProcPath((int)handle.DangerousGetHandle()), AtFdCwd, path, AtSymlinkFollow) == 0
                ? 0
                : Marshal.GetLastPInvokeError();
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }

    /// <summary>Makes a directory's entries (a rename into it, a new subdirectory) durable.</summary>
    public static void FsyncDirectory(string path)
    {
        var fd = open(path, ORdOnly | OCloExec);
        if (fd < 0) throw Failure("open", path);
        try
        {
            if (fsync(fd) != 0) throw Failure("fsync", path);
        }
        finally
        {
            _ = close(fd);
        }
    }

    /// <summary>
    /// Makes everything written to the file system holding <paramref name="path"/> durable: data, inodes and directory
    /// entries (syncfs(2): write back and wait, then a cache flush; since Linux 5.8 it reports writeback errors).
    /// </summary>
    public static void SyncFileSystem(string path)
    {
        var fd = open(path, ORdOnly | OCloExec);
        if (fd < 0) throw Failure("open", path);
        try
        {
            if (syncfs(fd) != 0) throw Failure("syncfs", path);
        }
        finally
        {
            _ = close(fd);
        }
    }

    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);

    private static IOException Failure(string call, string path)
    {
        var errno = Marshal.GetLastPInvokeError();
        return new IOException($"{call} {path}: {Describe(errno)}", errno);
    }

    private static FileIdentity? Statx(int dirfd, string path, int flags, out int errno)
    {
        // struct statx is the same on every architecture: stx_mode at 0x1C, stx_ino at 0x20, stx_dev_major/minor at 0x88/0x8C.
        var buffer = new byte[StatxSize];
        if (statx(dirfd, path, flags, StatxType | StatxIno, buffer) != 0)
        {
            errno = Marshal.GetLastPInvokeError();
            return null;
        }
        errno = 0;
        var mode = BinaryPrimitives.ReadUInt16LittleEndian(buffer.AsSpan(0x1C));
        var inode = BinaryPrimitives.ReadUInt64LittleEndian(buffer.AsSpan(0x20));
        var device = ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(0x88)) << 32)
            | BinaryPrimitives.ReadUInt32LittleEndian(buffer.AsSpan(0x8C));
        return new FileIdentity(mode & 0xF000, device, inode);
    }

#pragma warning disable SYSLIB1054, CA5392 // see remarks; libc is found by the runtime's default probing
    [DllImport("libc", SetLastError = true)]
    private static extern nint readlink([MarshalAs(UnmanagedType.LPUTF8Str)] string path, ref byte buffer, nint size);

    [DllImport("libc", SetLastError = true)]
    private static extern int linkat(int oldDirFd, [MarshalAs(UnmanagedType.LPUTF8Str)] string oldPath, int newDirFd,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string newPath, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, [Out] byte[] buffer);

    // open is variadic; the mode argument is read only with O_CREAT or O_TMPFILE. On the 64-bit Linux ABIs .NET runs on,
    // an int variadic argument travels exactly like a fixed one, so the three-argument declaration is sound.
    [DllImport("libc", SetLastError = true)]
    private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, int mode);

    [DllImport("libc", SetLastError = true)]
    private static extern int close(int fd);

    [DllImport("libc", SetLastError = true)]
    private static extern int fsync(int fd);

    [DllImport("libc", SetLastError = true)]
    private static extern int syncfs(int fd);
#pragma warning restore SYSLIB1054, CA5392
}
