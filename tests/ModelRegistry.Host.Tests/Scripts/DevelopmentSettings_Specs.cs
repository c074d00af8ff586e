using ModelRegistry.Contracts;
using System.Runtime.Versioning;
using ModelRegistry.Testing;

namespace ModelRegistry.Host.Tests.Scripts;

/// <summary>
/// One configuration source: <c>compose/services.sh env</c> prints every development setting, and run.sh's host and the
/// <c>./mreg</c> wrapper both load it, so they see the same store, policy, ticketing integration and approvers.
/// </summary>
[SupportedOSPlatform("linux")]
public class DevelopmentSettings_Specs(IsolatedEnvironment env) : IClassFixture<IsolatedEnvironment>
{
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Env_prints_every_development_setting_with_the_store_in_the_data_folder_and_a_secret_made_once()
    {
        var data = NewDataFolder();
        try
        {
            var settings = Checkout.DotEnv((await EnvAsync(data)).Output);
            Assert.Equal(Path.Combine(data, "artifacts"), settings["Artifacts__Root"]);
            Assert.Equal(Path.Combine(data, "incoming"), settings["Artifacts__AllowedSourceRoots__0"]);
            Assert.Equal(Path.Combine(Checkout.Repository, "config", "promotion-policy.json"), settings["Promotion__PolicyFile"]);
            Assert.Equal(Path.Combine(data, "host-health.json"), settings["Health__File"]);

            var secret = settings["Ticketing__Integrations__dev__Secret"];
            Assert.Matches("^[0-9a-f]{64}$", secret);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(data, "ticketing", "dev.secret")));
            Assert.Equal(secret, Checkout.DotEnv((await EnvAsync(data)).Output)["Ticketing__Integrations__dev__Secret"]);
            var other = NewDataFolder();
            try
            {
                Assert.NotEqual(secret, Checkout.DotEnv((await EnvAsync(other)).Output)["Ticketing__Integrations__dev__Secret"]);
            }
            finally
            {
                Directory.Delete(other, recursive: true);
            }

            // The audit checkpoint key pair, made once, the private key readable by its owner only, and the host accepts it.
            var key = settings["Audit__CheckpointKeyFile"];
            Assert.Equal(Path.Combine(data, "audit", "checkpoint.key"), key);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
            Assert.Null(ModelRegistry.Platform.Audit.AuditCheckpointKeys.LoadPrivate(key).Problem);
            Assert.Null(ModelRegistry.Platform.Audit.AuditCheckpointKeys.LoadPublic(settings["Audit__CheckpointPublicKeyFile"]).Problem);
            var keyText = await File.ReadAllTextAsync(key);
            await EnvAsync(data);
            Assert.Equal(keyText, await File.ReadAllTextAsync(key));

            var approvers = Checkout.DotEnv(string.Join('\n', File.ReadLines(Path.Combine(Checkout.Repository, "config", "dev-approvers.env"))
                .Where(l => !l.StartsWith('#') && l.Contains('=', StringComparison.Ordinal))));
            Assert.NotEmpty(approvers);
            Assert.Equal(approvers, settings.Where(s => s.Key.StartsWith("Approvers__", StringComparison.Ordinal)).ToDictionary());

            // test.sh reads only the connections: the hosts tests start must not inherit the development approvers.
            var connections = Checkout.DotEnv((await EnvAsync(data, "connections")).Output);
            Assert.Equal(settings.Where(s => IsConnection(s.Key)).ToDictionary(), connections);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task The_mreg_wrapper_verifies_a_version_that_a_host_started_with_the_same_settings_registered()
    {
        var data = NewDataFolder();
        try
        {
            // run.sh's host: the settings env prints, on this class's vhost and database instead of the services' own.
            var settings = Checkout.DotEnv((await EnvAsync(data)).Output);
            foreach (var (key, value) in env.EnvironmentVariables.Where(s => IsConnection(s.Key))) settings[key] = value;
            Directory.CreateDirectory(settings["Artifacts__Root"]);
            Directory.CreateDirectory(settings["Artifacts__AllowedSourceRoots__0"]);
            await using var host = HostProcess.StartHost(settings, "--workers", "registration");
            await host.WaitUntilStartedAsync();
            await using var observer = await RegistryObserver.StartAsync(env.AdminRabbitMq, env.RabbitMq.Username);
            await observer.PublishAsync(new TrainingPipeline(settings["Artifacts__AllowedSourceRoots__0"]).Trained("one-store", "run-1"));
            await observer.WaitForAsync<ModelVersionRegistered>(e => e.ModelName == "one-store");

            // ./mreg as a person runs it after ./run.sh: nothing in the environment but the connections to this class's vhost
            // and database; the wrapper finds the rest where the host's settings came from.
            var environment = new Dictionary<string, string?> { ["MREG_DATA_DIR"] = data };
            foreach (var (key, value) in settings) environment[key] = IsConnection(key) ? value : null;
            var verify = await Checkout.RunAsync(Path.Combine(Checkout.Repository, "mreg"), ["artifact", "verify", "one-store", "1"], environment,
                ScriptTimeout);
            Assert.True(verify.ExitCode == 0, verify.ToString());
            Assert.Contains($"in {settings["Artifacts__Root"]}", verify.Output);
            Assert.EndsWith("verify: ok", verify.Output.TrimEnd());
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Theory]
    [InlineData(null, null, "mreg-operator")]
    [InlineData("mreg-pipeline", null, "mreg-pipeline")]
    [InlineData("workers", "workers", "workers")]
    public async Task The_mreg_wrapper_connects_as_the_operator_unless_a_user_is_set(string? user, string? password, string expected)
    {
        var data = NewDataFolder();
        try
        {
            // Everything services.sh env prints but the broker's user and password, which the wrapper must choose ("workers":
            // this class's own workers' user, whose password is not its name).
            var environment = new Dictionary<string, string?> { ["MREG_DATA_DIR"] = data };
            foreach (var (key, value) in env.EnvironmentVariables.Where(s => IsConnection(s.Key))) environment[key] = value;
            environment["RabbitMq__Username"] = user == "workers" ? env.RabbitMq.Username : user;
            environment["RabbitMq__Password"] = password == "workers" ? env.RabbitMq.Password : password;

            var status = await Checkout.RunAsync(Path.Combine(Checkout.Repository, "mreg"), ["status", "--json"], environment, ScriptTimeout);

            using var report = System.Text.Json.JsonDocument.Parse(status.Output);
            var broker = report.RootElement.GetProperty("broker");
            Assert.True(broker.GetProperty("up").GetBoolean(), status.ToString());
            Assert.Equal(expected == "workers" ? env.RabbitMq.Username : expected, broker.GetProperty("user").GetString());
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    private static bool IsConnection(string key) =>
        key.StartsWith("RabbitMq__", StringComparison.Ordinal) || key.StartsWith("Database__", StringComparison.Ordinal);

    private static string NewDataFolder()
    {
        var data = Path.Combine(Path.GetTempPath(), "mreg-settings-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(data);
        return data;
    }

    private static async Task<Checkout.Result> EnvAsync(string data, params string[] args)
    {
        var result = await Checkout.RunAsync(Path.Combine(Checkout.Repository, "compose", "services.sh"), ["env", .. args],
            new Dictionary<string, string?> { ["MREG_DATA_DIR"] = data }, ScriptTimeout);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result;
    }
}
