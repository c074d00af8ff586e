using Dapper;
using System.Runtime.Versioning;
using ModelRegistry.Testing;
using Npgsql;

namespace ModelRegistry.Host.Tests.Scripts;

/// <summary>compose/services.sh itself, on a data folder and ports of each test's own.</summary>
[SupportedOSPlatform("linux")]
public class ServicesScript_Specs
{
    [Fact]
    public async Task Down_stops_the_private_epmd_and_asking_about_a_stopped_broker_starts_none()
    {
        await using var services = new PrivateServices();
        var up = await services.RunAsync("up", "rabbitmq");
        Assert.True(up.ExitCode == 0, up.ToString());
        Assert.True(Checkout.Listening(services.EpmdPort), "epmd runs while the broker does");

        var down = await services.RunAsync("down", "rabbitmq");
        Assert.True(down.ExitCode == 0, down.ToString());
        Assert.False(Checkout.Listening(services.EpmdPort), "epmd still listening after down:\n" + down);

        // RabbitMQ's CLI starts an epmd before it tries to reach a node: status and a second down must not ask it.
        var status = await services.RunAsync("status");
        Assert.Contains("rabbitmq: down", status.Output);
        Assert.False(Checkout.Listening(services.EpmdPort), "epmd listening after status of a stopped broker");
        down = await services.RunAsync("down", "rabbitmq");
        Assert.Contains("rabbitmq: not running", down.Output);
        Assert.False(Checkout.Listening(services.EpmdPort), "epmd listening after a second down");
    }

    [Fact]
    public async Task PostgreSQL_runs_for_a_checkout_in_a_home_folder_its_OS_user_cannot_enter()
    {
        // A clone under /root: the folder above the checkout is the caller's alone (mode 700).
        var home = Path.Combine(Path.GetTempPath(), "mreg-home-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(home);
        File.SetUnixFileMode(home, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        try
        {
            var clone = Directory.CreateDirectory(Path.Combine(home, "clone")).FullName;
            await using var services = new PrivateServices(Path.Combine(clone, ".data"), workingDirectory: clone);
            var up = await services.RunAsync("up", "postgres");
            Assert.True(up.ExitCode == 0, up.ToString());
            // Run from inside the clone, as people do: PostgreSQL's tools must not complain they cannot return there.
            Assert.DoesNotContain("could not change directory", up.ToString(), StringComparison.Ordinal);

            var cluster = new DirectoryInfo(Path.Combine(services.DataDir, "postgres"));
            // As root, PostgreSQL runs as 'postgres', who cannot enter the home folder: the cluster lives outside it.
            var outside = cluster.LinkTarget;
            if (System.Environment.UserName == "root") Assert.StartsWith("/var/lib/mreg-postgres/", outside);
            await using (var c = new NpgsqlConnection(services.OwnerConnectionString))
                await c.ExecuteAsync("CREATE TABLE kept (id int)");

            // down and up again find the same cluster through the data folder.
            var down = await services.RunAsync("down", "postgres");
            Assert.Contains("postgres: stopped", down.Output);
            Assert.False(Checkout.Listening(services.PostgresPort), "postgres still listening after down");
            up = await services.RunAsync("up", "postgres");
            Assert.True(up.ExitCode == 0, up.ToString());
            await using (var c = new NpgsqlConnection(services.OwnerConnectionString))
                Assert.Equal(1, await c.ExecuteScalarAsync<int>("SELECT count(*) FROM pg_tables WHERE tablename = 'kept'"));

            // reset deletes the cluster wherever it lives.
            var reset = await services.RunAsync("reset");
            Assert.True(reset.ExitCode == 0, reset.ToString());
            cluster.Refresh();
            Assert.False(cluster.Exists || cluster.LinkTarget is not null, "the data folder still has its postgres entry after reset");
            if (outside is not null) Assert.False(Directory.Exists(outside), $"{outside} is still there after reset");
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }
}
