using System.Net.Http.Headers;
using System.Runtime.Versioning;
using System.Text;
using System.Text.Json;
using Dapper;
using ModelRegistry.Testing;
using Npgsql;

namespace ModelRegistry.Host.Tests.Scripts;

/// <summary>
/// <c>compose/services.sh clean-tests</c> on services of its own: the databases and vhosts a killed test run left
/// (IsolatedEnvironment's names) go, anything else stays, and so does a test database someone is connected to.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class CleanTests_Specs
{
    [Fact]
    public async Task Leftover_test_databases_and_vhosts_are_dropped_and_everything_else_and_whatever_is_in_use_stays()
    {
        await using var services = new PrivateServices(management: true);
        var up = await services.RunAsync("up");
        Assert.True(up.ExitCode == 0, up.ToString());
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{services.ManagementPort}/") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("mreg-admin:mreg-admin")));

        const string leftover = "0123456789", live = "abcdef0123";
        await using (var owner = new NpgsqlConnection(services.OwnerConnectionString))
        {
            foreach (var db in new[] { "mreg_test_" + leftover, "mreg_test_" + live, "mreg_testing_kept", "reports" })
                await owner.ExecuteAsync($"CREATE DATABASE {db}");
        }
        foreach (var vhost in new[] { "mreg-test-" + leftover, "mreg-test-" + live, "mreg-test-fedcba9876", "mreg-team" })
            Assert.True((await http.PutAsync($"api/vhosts/{vhost}", null)).IsSuccessStatusCode, vhost);

        // A run in progress on the same services: connected to its database.
        await using var running = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(services.OwnerConnectionString) { Database = "mreg_test_" + live }.ConnectionString);
        await running.OpenAsync();

        var clean = await services.RunAsync("clean-tests");
        Assert.True(clean.ExitCode == 0, clean.ToString());
        Assert.Contains("dropped 1 leftover test databases and 2 vhosts; 1 in use kept", clean.Output);

        await using (var owner = new NpgsqlConnection(services.OwnerConnectionString))
        {
            var databases = (await owner.QueryAsync<string>("SELECT datname FROM pg_database")).ToHashSet();
            Assert.DoesNotContain("mreg_test_" + leftover, databases);
            Assert.Contains("mreg_test_" + live, databases);
            Assert.Contains("mreg_testing_kept", databases);
            Assert.Contains("reports", databases);
            Assert.Contains("model_registry", databases);
        }
        var vhosts = JsonDocument.Parse(await http.GetStringAsync("api/vhosts")).RootElement.EnumerateArray()
            .Select(v => v.GetProperty("name").GetString()).ToHashSet();
        Assert.Equal(["mreg", "mreg-team", "mreg-test-" + live], vhosts.Order());
        Assert.Equal(1, await running.ExecuteScalarAsync<int>("SELECT 1"));
    }

    [Fact]
    public async Task Test_sh_cleans_up_on_the_services_it_started_before_it_builds_and_tests()
    {
        // A copy of test.sh in a checkout whose services.sh and dotnet only say what they were asked.
        var checkout = Path.Combine(Path.GetTempPath(), "mreg-testsh-" + Guid.NewGuid().ToString("N")[..8]);
        var log = Path.Combine(checkout, "calls.log");
        try
        {
            Directory.CreateDirectory(Path.Combine(checkout, "compose"));
            Directory.CreateDirectory(Path.Combine(checkout, "bin"));
            File.Copy(Path.Combine(Checkout.Repository, "test.sh"), Path.Combine(checkout, "test.sh"));
            Executable(Path.Combine(checkout, "compose", "services.sh"), $"""
                #!/usr/bin/env bash
                echo "services.sh $*" >> '{log}'
                [ "$1 ${2:-}" != "env connections" ] || echo 'Database__ConnectionString=Host=127.0.0.1'
                """);
            Executable(Path.Combine(checkout, "bin", "dotnet"), $"""
                #!/usr/bin/env bash
                echo "dotnet $1" >> '{log}'
                """);
            var path = Path.Combine(checkout, "bin") + ":" + System.Environment.GetEnvironmentVariable("PATH");

            await Checkout.RunAsync(Path.Combine(checkout, "test.sh"), [], new Dictionary<string, string?> { ["PATH"] = path }, TimeSpan.FromMinutes(2), checkout);

            Assert.Equal(["services.sh up", "services.sh clean-tests", "services.sh env connections", "dotnet build", "dotnet test"],
                await File.ReadAllLinesAsync(log));
        }
        finally
        {
            Directory.Delete(checkout, recursive: true);
        }
    }

    private static void Executable(string path, string text)
    {
        File.WriteAllText(path, text + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }
}
