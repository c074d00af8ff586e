using System.Collections.Concurrent;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using ModelRegistry.Contracts;
using ModelRegistry.Platform.Outbox;
using ModelRegistry.Testing;

namespace ModelRegistry.Persistence.Tests.Outbox;

/// <summary>
/// The relay's ordering rule (docs/architecture.md, "A model's stage changes in order"): two relays on one database, rows
/// with and without an ordering key.
/// </summary>
public class OutboxRelay_Specs_When_rows_carry_an_ordering_key(IsolatedEnvironment env) : IClassFixture<IsolatedEnvironment>
{
    /// <summary>
    /// Answers each publish with what <c>answer</c> says; records the order the publishes were started in and the most that
    /// were in flight (handed over, not yet answered) at once.
    /// </summary>
    private sealed class GatedPublisher(Func<Guid, Task> answer) : IOutboxPublisher
    {
        private readonly ConcurrentQueue<Guid> started = new();
        private int inFlight;
        private int mostInFlight;

        public IReadOnlyList<Guid> Started => [.. started];
        public int MostInFlight => Volatile.Read(ref mostInFlight);

        public async Task PublishAsync(Guid messageId, object message, CancellationToken cancellationToken)
        {
            started.Enqueue(messageId);
            var now = Interlocked.Increment(ref inFlight);
            int seen;
            while (now > (seen = Volatile.Read(ref mostInFlight)) && Interlocked.CompareExchange(ref mostInFlight, now, seen) != seen)
            {
            }
            try
            {
                await answer(messageId).WaitAsync(cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref inFlight);
            }
        }
    }

    private OutboxRelay Relay(IOutboxPublisher publisher) =>
        new(env.DataSource, publisher, new OutboxOptions { BatchTimeoutSeconds = 30 }, TimeProvider.System, NullLogger<OutboxRelay>.Instance);

    private async Task<Guid> AddAsync(string? key)
    {
        var id = Guid.NewGuid();
        await using var c = await env.DataSource.OpenConnectionAsync();
        await c.ExecuteAsync("INSERT INTO registry.outbox (message_id, message_type, body, ordering_key) VALUES (@id, @type, @body, @key)",
            new { id, type = nameof(ModelRegistrationRejected), body = $$"""{"modelName":"spec-{{id}}"}""", key });
        return id;
    }

    private async Task<List<Guid>> OutboxAsync()
    {
        await using var c = await env.DataSource.OpenConnectionAsync();
        return (await c.QueryAsync<Guid>("SELECT message_id FROM registry.outbox ORDER BY sequence")).ToList();
    }

    private async Task ClearAsync()
    {
        await using var c = await env.DataSource.OpenConnectionAsync();
        await c.ExecuteAsync("DELETE FROM registry.outbox; DELETE FROM registry.outbox_dead");
    }

    private static async Task UntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"not within 30 s: {what}");
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task A_keyed_row_waits_while_another_relay_holds_an_earlier_row_of_its_key_and_the_other_rows_go_on()
    {
        await ClearAsync();
        var a1 = await AddAsync(OrderingKeys.Model("a"));
        var confirmA1 = new TaskCompletionSource();
        var first = new GatedPublisher(id => id == a1 ? confirmA1.Task : Task.CompletedTask);
        var firstBatch = Relay(first).RelayBatchAsync(CancellationToken.None);
        await UntilAsync(() => first.Started.Contains(a1), "the first relay publishes a1"); // and holds it locked, unconfirmed

        var unkeyed = await AddAsync(null);
        var a2 = await AddAsync(OrderingKeys.Model("a"));
        var b1 = await AddAsync(OrderingKeys.Model("b"));
        var second = new GatedPublisher(_ => Task.CompletedTask);
        var secondRelay = Relay(second);

        Assert.Equal(3, await secondRelay.RelayBatchAsync(CancellationToken.None));

        Assert.Equal(new[] { unkeyed, b1 }.Order(), second.Started.Order());
        Assert.Equal(1, secondRelay.Deferred);
        Assert.Equal([a1, a2], await OutboxAsync());

        confirmA1.SetResult();
        Assert.Equal(1, await firstBatch);
        Assert.Equal([a2], await OutboxAsync());
        Assert.Equal(1, await secondRelay.RelayBatchAsync(CancellationToken.None));
        Assert.Equal(0, secondRelay.Deferred);
        Assert.Equal(a2, second.Started[^1]);
        Assert.Empty(await OutboxAsync());
    }

    [Fact]
    public async Task The_rows_of_one_key_in_a_batch_go_one_after_the_other_and_a_failed_one_keeps_the_rest_of_its_key()
    {
        await ClearAsync();
        var a1 = await AddAsync(OrderingKeys.Model("a"));
        var b1 = await AddAsync(OrderingKeys.Model("b"));
        var a2 = await AddAsync(OrderingKeys.Model("a"));
        var unkeyed = await AddAsync(null);
        var a3 = await AddAsync(OrderingKeys.Model("a"));
        var confirmA1 = new TaskCompletionSource();
        var publisher = new GatedPublisher(id => id == a1 ? confirmA1.Task : Task.CompletedTask);

        var batch = Relay(publisher).RelayBatchAsync(CancellationToken.None);
        await UntilAsync(() => publisher.Started.Count >= 3, "a1, b1 and the unkeyed row are published");

        // a2 waits for a1's confirm, which has not come: it has not even been handed to the broker.
        Assert.Equal([a1, b1, unkeyed], publisher.Started);
        confirmA1.SetException(new InvalidOperationException("channel closed"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => batch);

        Assert.Equal([a1, b1, unkeyed], publisher.Started);
        Assert.Equal([a1, a2, a3], await OutboxAsync());

        var next = new GatedPublisher(_ => Task.CompletedTask);
        Assert.Equal(3, await Relay(next).RelayBatchAsync(CancellationToken.None));
        Assert.Equal([a1, a2, a3], next.Started);
        Assert.Empty(await OutboxAsync());
    }

    [Fact]
    public async Task The_rows_of_one_key_in_a_batch_are_never_in_flight_together_and_are_all_published_in_their_order()
    {
        await ClearAsync();
        var rows = new List<Guid>();
        for (var i = 0; i < 20; i++) rows.Add(await AddAsync(OrderingKeys.Model("c")));
        // Each confirm takes a while: publishes of the key that overlapped would show as several in flight at once.
        var publisher = new GatedPublisher(_ => Task.Delay(5));

        Assert.Equal(20, await Relay(publisher).RelayBatchAsync(CancellationToken.None));

        Assert.Equal(rows, publisher.Started);
        Assert.Equal(1, publisher.MostInFlight);
        Assert.Empty(await OutboxAsync());
    }
}
