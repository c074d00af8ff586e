using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace ModelRegistry.Persistence.Artifacts;

/// <summary>
/// The few Linux calls .NET does not expose: realpath, statx (file type and identity without opening), O_PATH
/// descriptors, fsync of a directory, and syncfs. Needs glibc 2.28+ or musl 1.2.5+ (for statx).
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
    private const int OCloExec = 0x80000;
    private const int OPath = 0x200000;

    public const int ENoEnt = 2;

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

    /// <summary>The canonical path, every symlink in every component followed; null and errno when it cannot be resolved.</summary>
    public static string? RealPath(string path, out int errno)
    {
        var resolved = realpath(path, IntPtr.Zero);
        if (resolved == IntPtr.Zero)
        {
            errno = Marshal.GetLastPInvokeError();
            return null;
        }
        try
        {
            errno = 0;
            return Marshal.PtrToStringUTF8(resolved);
        }
        finally
        {
            free(resolved);
        }
    }

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
    private static extern IntPtr realpath([MarshalAs(UnmanagedType.LPUTF8Str)] string path, IntPtr resolved);

    [DllImport("libc")]
    private static extern void free(IntPtr pointer);

    [DllImport("libc", SetLastError = true)]
    private static extern int statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, [Out] byte[] buffer);

    // open is variadic; the mode argument is read only with O_CREAT or O_TMPFILE, which are never passed.
    [DllImport("libc", SetLastError = true)]
    private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int close(int fd);

    [DllImport("libc", SetLastError = true)]
    private static extern int fsync(int fd);

    [DllImport("libc", SetLastError = true)]
    private static extern int syncfs(int fd);
#pragma warning restore SYSLIB1054, CA5392
}
