using System.CommandLine;
using System.Text;
using System.Text.Json;
using ModelRegistry.Cli;
using MassTransit;
using ModelRegistry.Platform;
using ModelRegistry.Contracts;
using ModelRegistry.Testing;
using RabbitMQ.Client;

namespace ModelRegistry.Host.Tests;

/// <summary>The error-queue commands on what MassTransit itself leaves in <c>probe_error</c>, through the real <c>mreg</c> process.</summary>
public class Cli_Specs_When_a_worker_faults_a_message(IsolatedEnvironment env) : IClassFixture<IsolatedEnvironment>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Errors_list_shows_the_fault_and_replay_hands_the_message_back_to_the_worker()
    {
        var artifacts = Directory.CreateTempSubdirectory("mreg-cli-e2e-");
        var environment = new Dictionary<string, string>(env.EnvironmentVariables) { ["Artifacts__Root"] = artifacts.FullName };
        // mreg errors needs the workers' user (README, Commands).
        var settings = env.Cli(BrokerUsers.Workers);
        try
        {
            var host = HostProcess.StartHost(environment, "--workers", "probe");
            await using (host)
            {
                await host.WaitUntilStartedAsync();
                // An empty ProbeId is an InvalidMessageException: no retries, straight to probe_error.
                var id = await PublishInvalidProbeAsync();
                await Eventually.UntilAsync(() => ErrorDepthAsync(), n => n == 1, Timeout, "probe_error depth");

                await using (var cli = HostProcess.StartCli(env.AsUser(environment, BrokerUsers.Workers), "errors", "list", "probe", "--json"))
                {
                    Assert.True(await cli.WaitForExitAsync(Timeout) == 0, cli.Output);
                    using var listing = JsonDocument.Parse(cli.Output);
                    var m = listing.RootElement.GetProperty("shown").EnumerateArray().Single();
                    Assert.Equal(id.ToString(), m.GetProperty("messageId").GetString());
                    Assert.Contains("urn:message:ModelRegistry.Contracts:RunProbe", m.GetProperty("messageType").GetString(), StringComparison.Ordinal);
                    Assert.Equal(typeof(InvalidMessageException).FullName, m.GetProperty("exceptionType").GetString());
                    Assert.Equal("RunProbe.ProbeId is missing", m.GetProperty("faultMessage").GetString());
                    Assert.False(string.IsNullOrEmpty(m.GetProperty("faultTimestamp").GetString()));
                }
                Assert.Equal(1u, await ErrorDepthAsync());

                // The worker takes the replayed message as the RunProbe it was, and faults it again.
                var (exit, replay, _) = await Cli_Specs.RunAsync(w => ErrorsCommand.ReplayAsync(settings, "probe", null, null, json: true, w, default));
                Assert.Equal(0, exit);
                Assert.Equal(1, replay.GetProperty("replayed").GetInt32());
                await Eventually.UntilAsync(() => ErrorDepthAsync(), n => n == 1, Timeout, "probe_error depth after the replay");

                host.Terminate();
                Assert.Equal(0, await host.WaitForExitAsync(Timeout));
            }

            // With no worker running the replayed copy stays in probe: the fault headers are gone, the rest is kept.
            Assert.Equal(0, (await Cli_Specs.RunAsync(w => ErrorsCommand.ReplayAsync(settings, "probe", null, null, json: true, w, default))).Exit);
            await using var connection = await Preflight.ConnectionFactory(env.RabbitMq).CreateConnectionAsync();
            // Publisher confirms: each fault is in the queue before the command under test looks.
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true));
            var replayed = await channel.BasicGetAsync("probe", autoAck: true);
            Assert.NotNull(replayed);
            Assert.Equal("application/vnd.masstransit+json", replayed.BasicProperties.ContentType);
            var headers = replayed.BasicProperties.Headers ?? new Dictionary<string, object?>();
            Assert.DoesNotContain(headers.Keys, k => k.StartsWith("MT-Fault-", StringComparison.Ordinal) || k == "MT-Reason");
            // The original sender stays the principal: the registry takes it from user_id.
            Assert.Equal(BrokerUsers.Operator, replayed.BasicProperties.UserId);
            Assert.Equal(0u, await ErrorDepthAsync());
        }
        finally
        {
            artifacts.Delete(recursive: true);
        }
    }

    private async Task<uint> ErrorDepthAsync() =>
        (await QueueInspector.InspectAsync(env.RabbitMq, ["probe_error"])).Single().Messages;

    private async Task<Guid> PublishInvalidProbeAsync()
    {
        // As a person's command goes out: the operator's user, stamped as user_id.
        var bus = Bus.Factory.CreateUsingRabbitMq(cfg => cfg.Host(env.As(BrokerUsers.Operator)));
        await bus.StartAsync();
        try
        {
            var id = NewId.NextGuid();
            await bus.Publish(new RunProbe { ProbeId = Guid.Empty, RequestedBy = "cli-specs", RequestedAt = DateTimeOffset.UtcNow },
                context => context.MessageId = id);
            return id;
        }
        finally
        {
            await bus.StopAsync();
        }
    }
}
