using System.Net;
using System.Net.Sockets;

namespace ModelRegistry.Testing;

/// <summary>
/// A data folder and free ports of its own for <c>compose/services.sh</c>, for tests of the script itself: they start and
/// stop services there without touching the ones other tests use. No management plugin unless asked for (it slows every stop).
/// Disposing resets them (stops both, deletes their data).
/// </summary>
public sealed class PrivateServices : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    private readonly string folder;
    private readonly string? workingDirectory;
    private readonly bool management;

    /// <param name="dataDir">The data folder (MREG_DATA_DIR); by default a new one under the temporary folder.</param>
    /// <param name="workingDirectory">Where the script is run from; by default the checkout.</param>
    /// <param name="management">Start the broker's management plugin, on <see cref="ManagementPort"/> (admin mreg-admin).</param>
    public PrivateServices(string? dataDir = null, string? workingDirectory = null, bool management = false)
    {
        this.workingDirectory = workingDirectory;
        this.management = management;
        var id = Guid.NewGuid().ToString("N")[..8];
        DataDir = dataDir ?? Path.Combine(Path.GetTempPath(), "mreg-scripts-" + id, ".data");
        folder = dataDir ?? Path.GetDirectoryName(DataDir)!;
        NodeName = $"mreg-scripts-{id}@localhost";
        // The broker's distribution port is its AMQP port + 20000 (services.sh): keep both below 65536.
        RabbitPort = FreePort(21000, 29000, extra: 20000);
        EpmdPort = FreePort(30000, 31000);
        PostgresPort = FreePort(31000, 32000);
    }

    public string DataDir { get; }
    public string NodeName { get; }
    public int RabbitPort { get; }
    public int EpmdPort { get; }
    public int PostgresPort { get; }
    public int ManagementPort => RabbitPort + 10000;

    public string OwnerConnectionString =>
        $"Host=127.0.0.1;Port={PostgresPort};Database=model_registry;Username=mreg_owner;Password=mreg_owner;Pooling=false;Timeout=5";

    public IReadOnlyDictionary<string, string?> Environment => new Dictionary<string, string?>
    {
        ["MREG_DATA_DIR"] = DataDir,
        ["MREG_RABBIT_NODE"] = NodeName,
        ["MREG_RABBIT_PORT"] = RabbitPort.ToString(),
        ["MREG_RABBIT_MGMT_PORT"] = ManagementPort.ToString(),
        ["MREG_EPMD_PORT"] = EpmdPort.ToString(),
        ["MREG_RABBIT_MANAGEMENT"] = management ? "1" : "0",
        ["MREG_PG_PORT"] = PostgresPort.ToString(),
    };

    public Task<Checkout.Result> RunAsync(params string[] args) =>
        Checkout.RunAsync(Path.Combine(Checkout.Repository, "compose", "services.sh"), args, Environment, Timeout, workingDirectory);

    public async ValueTask DisposeAsync()
    {
        await RunAsync("reset");
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    private static int FreePort(int from, int to, int extra = 0)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(from, to);
            if (Free(port) && (extra == 0 || Free(port + extra)) && Free(port + 10000)) return port;
        }
        throw new InvalidOperationException($"no free port between {from} and {to}");
    }

    private static bool Free(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
