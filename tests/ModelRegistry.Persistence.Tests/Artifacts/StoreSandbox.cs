using System.Runtime.InteropServices;
using System.Security.Cryptography;
using ModelRegistry.Contracts;
using ModelRegistry.Platform.Artifacts;

namespace ModelRegistry.Persistence.Tests.Artifacts;

/// <summary>
/// A temp directory per test: <c>store/</c> (the store's root), <c>in/</c> (the one allowed source root), and
/// <c>in2/</c> and <c>outside/</c> (not allowed; <c>in2</c> shares <c>in</c>'s prefix on purpose).
/// </summary>
public sealed class StoreSandbox : IDisposable
{
    public StoreSandbox()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("mreg-artifacts-").FullName;
        foreach (var d in new[] { In, In2, Outside }) System.IO.Directory.CreateDirectory(d);
        Options = new ArtifactStoreOptions { Root = Root, AllowedSourceRoots = [In], Fsync = true };
        Store = new ContentAddressedStore(Options);
    }

    public string Directory { get; }
    public string Root => Path.Join(Directory, "store");
    public string In => Path.Join(Directory, "in");
    public string In2 => Path.Join(Directory, "in2");
    public string Outside => Path.Join(Directory, "outside");
    public ArtifactStoreOptions Options { get; }
    public ContentAddressedStore Store { get; }

    /// <summary>Every file under objects/ and tmp/.</summary>
    public string[] Objects => FilesUnder("objects");
    public string[] Temps => FilesUnder("tmp");

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> and declares them truthfully.</summary>
    public static ArtifactFile Write(string path, byte[] bytes)
    {
        File.WriteAllBytes(path, bytes);
        return Declare(path, bytes);
    }

    public static ArtifactFile Declare(string path, byte[] bytes) => new()
    {
        Path = Path.GetFileName(path),
        Role = "weights",
        Sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes)),
        Size = bytes.Length,
        SourceUri = Uri(path),
    };

    /// <summary>file:// plus the path, each segment percent-encoded (temp paths may hold anything).</summary>
    public static string Uri(string path) =>
        "file://" + string.Join('/', path.Split('/').Select(System.Uri.EscapeDataString));

    public static void MakeFifo(string path)
    {
        if (mkfifo(path, 0x180 /* 0600 */) != 0)
            throw new IOException($"mkfifo {path}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
    }

    /// <summary>
    /// Runs an ingest that must not block. If it does (a regression that opened a FIFO), the FIFO is opened for
    /// writing so the stuck reader returns, and the test fails with a timeout instead of hanging the run.
    /// </summary>
    public static async Task<IngestResult> WithoutBlocking(Func<Task<IngestResult>> ingest, string fifo)
    {
        var run = Task.Run(ingest);
        try
        {
            return await run.WaitAsync(TimeSpan.FromSeconds(15));
        }
        catch (TimeoutException)
        {
            _ = Task.Run(() => { using var writer = new FileStream(fifo, FileMode.Open, FileAccess.Write); });
            throw new TimeoutException($"ingest blocked on the FIFO {fifo}");
        }
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is harmless; a failing Dispose would hide the test's real outcome.
        }
    }

    private string[] FilesUnder(string name)
    {
        var path = Path.Join(Root, name);
        return System.IO.Directory.Exists(path) ? System.IO.Directory.GetFiles(path, "*", SearchOption.AllDirectories) : [];
    }

#pragma warning disable SYSLIB1054, CA5392 // a test helper; the runtime marshaller is fine for a string and an int
    [DllImport("libc", SetLastError = true)]
    private static extern int mkfifo([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode);
#pragma warning restore SYSLIB1054, CA5392
}
