using System.Text;
using System.Text.Json;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Platform;
using ModelRegistry.Testing;
using RabbitMQ.Client;
using static ModelRegistry.Host.Tests.Promotion.PromotionSteps;

namespace ModelRegistry.Host.Tests;

/// <summary>
/// The principal of what <c>mreg</c> sends is its broker user: the real <c>mreg</c> process publishes with user_id = the user it
/// connected as (the operator's, or a person's own), which the broker validates. Read off the AMQP property itself, from a queue
/// the admin binds to the command's exchange.
/// </summary>
public class Cli_Specs_When_mreg_publishes_a_command(RunningRegistry registry) : IClassFixture<RunningRegistry>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Promote_with_wait_as_the_operator_sends_the_operators_user_id_and_gets_its_outcome()
    {
        await RegisterAsync(registry, "cli-identity", "run-1", "low");
        await using var tap = await RequestTap.StartAsync(registry);

        // --wait: the outcome queue must be one the operator may declare (mreg-operator.outcomes-...), not a server-named one.
        await using var cli = HostProcess.StartCli(registry.CliEnvironment(), "promote", "cli-identity", "1", "--to", "staging",
            "--reason", "identity", "--wait", "--timeout", "1m", "--json");

        Assert.True(await cli.WaitForExitAsync(Wait) == 0, cli.Output + string.Join('\n', cli.StandardError));
        using var outcome = JsonDocument.Parse(cli.Output);
        Assert.Equal("promoted", outcome.RootElement.GetProperty("outcome").GetString());
        var (userId, body) = await tap.NextAsync();
        Assert.Equal(BrokerUsers.Operator, userId);
        Assert.Contains(outcome.RootElement.GetProperty("promotionId").GetString()!, body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_as_a_persons_own_user_it_sends_that_user_as_user_id()
    {
        await RegisterAsync(registry, "cli-person", "run-1", "low");
        await registry.PersonAsync("mira");
        await using var tap = await RequestTap.StartAsync(registry);

        await using var cli = HostProcess.StartCli(registry.CliEnvironment("mira"), "promote", "cli-person", "1", "--to", "staging",
            "--reason", "as myself");

        Assert.True(await cli.WaitForExitAsync(Wait) == 0, cli.Output + string.Join('\n', cli.StandardError));
        var (userId, body) = await tap.NextAsync();
        Assert.Equal("mira", userId);
        Assert.Contains(cli.Output.Trim(), body, StringComparison.Ordinal);
    }

    /// <summary>A private queue of the admin's bound to RequestPromotion's exchange: every request published from now on lands here.</summary>
    private sealed class RequestTap : IAsyncDisposable
    {
        private readonly IConnection connection;
        private readonly IChannel channel;
        private readonly string queue;

        private RequestTap(IConnection connection, IChannel channel, string queue) => (this.connection, this.channel, this.queue) = (connection, channel, queue);

        public static async Task<RequestTap> StartAsync(RunningRegistry registry)
        {
            var connection = await Preflight.ConnectionFactory(registry.AdminRabbitMq).CreateConnectionAsync("cli-identity-tap");
            var channel = await connection.CreateChannelAsync();
            var queue = (await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true)).QueueName;
            await channel.QueueBindAsync(queue, ExchangeTypedJsonDeserializer.ExchangeOf<RequestPromotion>(), "");
            return new RequestTap(connection, channel, queue);
        }

        /// <summary>
        /// The one request mreg published: it exited only after the broker confirmed it, and a confirmed message is in every
        /// queue bound to its exchange.
        /// </summary>
        public async Task<(string? UserId, string Body)> NextAsync()
        {
            var message = await channel.BasicGetAsync(queue, autoAck: true);
            Assert.NotNull(message);
            return (message.BasicProperties.UserId, Encoding.UTF8.GetString(message.Body.Span));
        }

        public async ValueTask DisposeAsync()
        {
            await channel.DisposeAsync();
            await connection.DisposeAsync();
        }
    }
}
