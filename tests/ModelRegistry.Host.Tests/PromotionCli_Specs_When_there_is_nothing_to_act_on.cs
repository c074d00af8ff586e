using System.Text;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Platform;
using ModelRegistry.Testing;
using RabbitMQ.Client;
using static ModelRegistry.Host.Tests.Promotion.PromotionSteps;

namespace ModelRegistry.Host.Tests;

/// <summary>
/// <c>mreg promote</c> of a model or version that does not exist, and <c>mreg rollback</c> of a model that does not exist or has
/// nothing to roll back to: exit 1 with the reason on stderr, and nothing sent. Run as the real <c>mreg</c> process (its stderr is
/// the point); a private queue bound to the command's exchange shows what was sent.
/// </summary>
public class PromotionCli_Specs_When_there_is_nothing_to_act_on(RunningRegistry registry) : IClassFixture<RunningRegistry>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("nope", "1", "mreg: unknown_version: there is no model nope (see `mreg models list`); nothing was sent")]
    [InlineData("cli-absent", "9", "mreg: unknown_version: cli-absent has no version 9 (its versions are 1 to 1); nothing was sent")]
    [InlineData("cli-absent", "0", "mreg: unknown_version: cli-absent has no version 0 (its versions are 1 to 1); nothing was sent")]
    public async Task Promote_exits_1_with_the_reason_and_publishes_nothing(string model, string version, string expected)
    {
        if (registry.Observer.All<Contracts.ModelVersionRegistered>().All(e => e.ModelName != "cli-absent"))
            await RegisterAsync(registry, "cli-absent", "run-1", "low");
        await using var tap = await CommandTap.StartAsync(registry.RabbitMq, ExchangeTypedJsonDeserializer.ExchangeOf<RequestPromotion>());

        var (exit, error) = await MregAsync("promote", model, version, "--to", "staging", "--reason", "r");

        Assert.Equal((1, expected), (exit, error));
        // A request that does go out reaches the tap: it is the only one there.
        var sent = Request("nope-marker", 1, "staging");
        await registry.Observer.PublishAsync(sent);
        Assert.Contains(sent.PromotionId.ToString("D"), Assert.Single(await tap.DrainAsync(1)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rollback_of_an_unknown_model_or_one_with_nothing_in_production_exits_1_and_publishes_nothing()
    {
        await RegisterAsync(registry, "cli-unpromoted", "run-1", "low");
        await using var tap = await CommandTap.StartAsync(registry.RabbitMq, ExchangeTypedJsonDeserializer.ExchangeOf<RequestRollback>());

        Assert.Equal((1, "mreg: unknown_model: there is no model nope (see `mreg models list`); nothing was sent"),
            await MregAsync("rollback", "nope", "--incident", "INC-1", "--reason", "r"));
        Assert.Equal((1, "mreg: nothing_in_production: cli-unpromoted has no version in production to roll back; nothing was sent"),
            await MregAsync("rollback", "cli-unpromoted", "--incident", "INC-1", "--reason", "r", "--wait"));

        var sent = new RequestRollback { RollbackId = Guid.NewGuid(), ModelName = "nope-marker", IncidentId = "INC-0", RequestedBy = "t", Reason = "marker" };
        await registry.Observer.PublishAsync(sent);
        Assert.Contains(sent.RollbackId.ToString("D"), Assert.Single(await tap.DrainAsync(1)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_rollback_says_which_version_the_first_one_retired_in_the_cli_and_in_the_worker()
    {
        await RegisterAsync(registry, "cli-twice", "run-1", "low");
        await RegisterAsync(registry, "cli-twice", "run-2", "low");
        Assert.IsType<ModelVersionPromoted>(await PromoteAsync(registry, Request("cli-twice", 1, "production")));
        Assert.IsType<ModelVersionPromoted>(await PromoteAsync(registry, Request("cli-twice", 2, "production")));
        // --from names the version the on-call person saw in production: another one is stale, and nothing is sent.
        Assert.Equal((1, "mreg: stale_rollback: cli-twice version 1 is not production (version 2 is); nothing was sent"),
            await MregAsync("rollback", "cli-twice", "--incident", "INC-8", "--reason", "latency doubled", "--from", "1"));
        var (exit, error) = await MregAsync("rollback", "cli-twice", "--incident", "INC-9", "--reason", "latency doubled", "--wait", "--timeout", "1m");
        Assert.Equal((0, ""), (exit, error));
        const string Expected = "no_previous_version: cli-twice/1 is in production and no earlier version is left to roll back to: version 2, "
            + "the other version that has been in production, was retired by a rollback (incident INC-9), and a rollback never restores "
            + "a version a rollback retired (promote it instead)";

        Assert.Equal((1, $"mreg: {Expected}; nothing was sent"),
            await MregAsync("rollback", "cli-twice", "--incident", "INC-10", "--reason", "still slow"));

        // The worker, asked directly, says the same.
        var again = new RequestRollback
        {
            RollbackId = Guid.NewGuid(), ModelName = "cli-twice", IncidentId = "INC-10", FromVersion = 1, RequestedBy = "oncall", Reason = "still slow",
        };
        await registry.Observer.PublishAsync(again);
        var refused = await registry.Observer.WaitForAsync<RollbackRejected>(r => r.RollbackId == again.RollbackId);
        Assert.Equal(Expected, $"{refused.ReasonCode}: {refused.Message}");
        Assert.Equal("production", await StageAsync(registry, "cli-twice", 1));
    }

    private async Task<(int Exit, string Error)> MregAsync(params string[] args)
    {
        await using var cli = HostProcess.StartCli(registry.CliEnvironment(), args);
        var exit = await cli.WaitForExitAsync(Wait);
        return (exit, string.Join('\n', cli.StandardError));
    }

    /// <summary>A private queue bound to a command's exchange: every message published to it from now on lands here too.</summary>
    private sealed class CommandTap : IAsyncDisposable
    {
        private readonly IConnection connection;
        private readonly IChannel channel;
        private readonly string queue;

        private CommandTap(IConnection connection, IChannel channel, string queue) => (this.connection, this.channel, this.queue) = (connection, channel, queue);

        public static async Task<CommandTap> StartAsync(RabbitMqOptions rabbit, string exchange)
        {
            var connection = await Preflight.ConnectionFactory(rabbit).CreateConnectionAsync();
            var channel = await connection.CreateChannelAsync();
            var queue = await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true);
            await channel.QueueBindAsync(queue.QueueName, exchange, "");
            return new CommandTap(connection, channel, queue.QueueName);
        }

        /// <summary>
        /// The bodies in the queue once at least <paramref name="expected"/> arrived. Every publish before the marker was
        /// confirmed before the marker was sent, so whatever the command under test sent is queued ahead of it.
        /// </summary>
        public async Task<IReadOnlyList<string>> DrainAsync(int expected)
        {
            await Eventually.UntilAsync(async () => (await channel.QueueDeclarePassiveAsync(queue)).MessageCount, n => n >= expected, Wait,
                "messages on the tap");
            var bodies = new List<string>();
            while (await channel.BasicGetAsync(queue, autoAck: true) is { } message) bodies.Add(Encoding.UTF8.GetString(message.Body.Span));
            return bodies;
        }

        public async ValueTask DisposeAsync()
        {
            await channel.DisposeAsync();
            await connection.DisposeAsync();
        }
    }
}
