using System.Collections.Concurrent;
using ModelRegistry.Platform;

namespace ModelRegistry.Components.Tests;

/// <summary>The group-commit queue on its own: order, no lost item, one writer per partition, a failed group's items.</summary>
public class GroupCommitQueue_Specs
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Items_of_one_partition_are_written_in_arrival_order_in_groups_of_at_most_the_maximum()
    {
        var writer = new Writer(2);
        var queue = new GroupCommitQueue<Item>(2, 8, i => i.Key, writer.WriteAsync);
        var items = Enumerable.Range(0, 50).Select(n => new Item(0, n)).ToList();

        writer.Hold(); // the first group waits until every item is queued
        foreach (var item in items) queue.Enqueue(item);
        writer.Release();
        await Task.WhenAll(items.Select(i => i.Done.Task)).WaitAsync(Patience);

        var groups = writer.Groups.ToList();
        Assert.Equal(items.Select(i => i.N), groups.SelectMany(g => g).Select(i => i.N));
        Assert.All(groups, g => Assert.InRange(g.Length, 1, 8));
        // Everything after the first group was queued when it was taken: full groups, then the rest.
        Assert.All(groups.Skip(1).SkipLast(1), g => Assert.Equal(8, g.Length));
        Assert.Equal(1, writer.MostWritersAtOnce);
    }

    [Fact]
    public async Task No_item_is_lost_when_many_tasks_enqueue_at_once_and_each_keys_items_keep_their_order()
    {
        const int producers = 16, perProducer = 500;
        var writer = new Writer(3);
        var queue = new GroupCommitQueue<Item>(3, 64, i => i.Key, writer.WriteAsync);

        var all = await Task.WhenAll(Enumerable.Range(0, producers).Select(p => Task.Run(async () =>
        {
            var mine = new List<Item>(perProducer);
            for (var n = 0; n < perProducer; n++)
            {
                var item = new Item(p, n);
                mine.Add(item);
                queue.Enqueue(item);
                // Now and then wait for the writer to finish, so writers keep stopping and starting under the enqueues.
                if (n % 50 == 0) await item.Done.Task;
            }
            await Task.WhenAll(mine.Select(i => i.Done.Task));
            return mine;
        }))).WaitAsync(Patience);

        var written = writer.Groups.SelectMany(g => g).ToList();
        Assert.Equal(producers * perProducer, written.Count);
        Assert.Equal(producers * perProducer, written.Distinct().Count());
        Assert.All(all.SelectMany(m => m), i => Assert.True(i.Done.Task.IsCompletedSuccessfully));
        foreach (var key in Enumerable.Range(0, producers))
            Assert.Equal(Enumerable.Range(0, perProducer), written.Where(i => i.Key == key).Select(i => i.N));
        Assert.Equal(1, writer.MostWritersAtOnce);
        Assert.Equal(0, writer.MixedGroups);
    }

    [Fact]
    public async Task Items_enqueued_one_at_a_time_while_the_writer_keeps_stopping_and_starting_are_all_written()
    {
        var writer = new Writer();
        var queue = new GroupCommitQueue<Item>(1, 256, _ => 0, writer.WriteAsync);
        var callers = Enumerable.Range(0, 8).Select(c => Task.Run(async () =>
        {
            // One at a time from each caller: items keep arriving as the writer finds the queue empty and stops.
            for (var n = 0; n < 1000; n++)
            {
                var item = new Item(c, n);
                queue.Enqueue(item);
                await item.Done.Task;
            }
        }));
        await Task.WhenAll(callers).WaitAsync(Patience);

        Assert.Equal(8000, writer.Groups.Sum(g => g.Length));
    }

    [Fact]
    public async Task A_failing_group_write_faults_exactly_that_groups_items_and_the_next_group_is_written()
    {
        var boom = new InvalidOperationException("boom");
        var writer = new Writer { FailureFor = g => g.Any(i => i.N == 1) ? boom : null };
        var queue = new GroupCommitQueue<Item>(1, 16, i => i.Key, writer.WriteAsync);
        var first = new Item(0, 0);
        var failing = Enumerable.Range(1, 3).Select(n => new Item(0, n)).ToList();

        writer.Hold();
        queue.Enqueue(first);
        Assert.True(await writer.Holding.WaitAsync(Patience)); // the first group, [first], is being written
        foreach (var item in failing) queue.Enqueue(item);
        writer.Release();
        await first.Done.Task.WaitAsync(Patience);
        foreach (var item in failing)
            Assert.Same(boom, await Assert.ThrowsAsync<InvalidOperationException>(() => item.Done.Task.WaitAsync(Patience)));

        var after = new Item(0, 4);
        queue.Enqueue(after);
        await after.Done.Task.WaitAsync(Patience);
        Assert.Equal(["0", "1 2 3", "4"], writer.Groups.Select(g => string.Join(' ', g.Select(i => i.N))));
    }

    [Fact]
    public async Task A_partition_whose_writer_is_busy_does_not_hold_up_another()
    {
        var writer = new Writer(2);
        var queue = new GroupCommitQueue<Item>(2, 16, i => i.Key, writer.WriteAsync);
        var slow = new Item(0, 0);
        var fast = new Item(1, 0);

        writer.Hold(partition: 0);
        queue.Enqueue(slow);
        Assert.True(await writer.Holding.WaitAsync(Patience));
        queue.Enqueue(fast);
        await fast.Done.Task.WaitAsync(Patience);
        Assert.False(slow.Done.Task.IsCompleted);

        writer.Release();
        await slow.Done.Task.WaitAsync(Patience);
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        Func<IReadOnlyList<Item>, Task> write = _ => Task.CompletedTask;
        Assert.Throws<ArgumentOutOfRangeException>(() => new GroupCommitQueue<Item>(0, 1, _ => 0, write));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GroupCommitQueue<Item>(1, 0, _ => 0, write));
        var queue = new GroupCommitQueue<Item>(3, 7, _ => 0, write);
        Assert.Equal(3, queue.Partitions);
        Assert.Equal(7, queue.MaxGroup);
    }

    private sealed class Item(int key, int n) : IGroupCommitItem
    {
        public int Key { get; } = key;

        public int N { get; } = n;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Fail(Exception exception) => Done.TrySetException(exception);
    }

    /// <summary>
    /// Records each group (a copy: the queue reuses its list) and completes its items; can hold a group, fail one, and counts
    /// the writers of each partition at once.
    /// </summary>
    private sealed class Writer(int partitions = 1)
    {
        private readonly int[] writing = new int[partitions];
        private TaskCompletionSource? gate; // the hold not taken yet
        private TaskCompletionSource? released;
        private int? holdPartition;
        private int mostWritersAtOnce;
        private int mixedGroups;

        public ConcurrentQueue<Item[]> Groups { get; } = new();

        /// <summary>The exception to throw for a group, or null to complete it.</summary>
        public Func<Item[], Exception?> FailureFor { get; init; } = _ => null;

        /// <summary>The most writers one partition had at once.</summary>
        public int MostWritersAtOnce => Volatile.Read(ref mostWritersAtOnce);

        /// <summary>Groups with items of more than one partition.</summary>
        public int MixedGroups => Volatile.Read(ref mixedGroups);

        /// <summary>Released when a held group has started.</summary>
        public SemaphoreSlim Holding { get; } = new(0);

        /// <summary>The next group (of partition <paramref name="partition"/>, if given) waits for <see cref="Release"/>.</summary>
        public void Hold(int? partition = null)
        {
            released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            holdPartition = partition;
            gate = released;
        }

        public void Release() => released?.TrySetResult();

        public async Task WriteAsync(IReadOnlyList<Item> group)
        {
            var copy = group.ToArray();
            var partition = PartitionOf(copy[0]);
            if (copy.Any(i => PartitionOf(i) != partition)) Interlocked.Increment(ref mixedGroups);
            InterlockedMax(ref mostWritersAtOnce, Interlocked.Increment(ref writing[partition]));
            try
            {
                Groups.Enqueue(copy);
                if (gate is { } held && (holdPartition is null || holdPartition == partition))
                {
                    gate = null;
                    Holding.Release();
                    await held.Task;
                }
                await Task.Yield();
                if (FailureFor(copy) is { } failure) throw failure;
                foreach (var item in copy) item.Done.TrySetResult();
            }
            finally
            {
                Interlocked.Decrement(ref writing[partition]);
            }
        }

        private int PartitionOf(Item item) => (int)((uint)item.Key % (uint)writing.Length);

        private static void InterlockedMax(ref int target, int value)
        {
            var current = Volatile.Read(ref target);
            while (value > current)
            {
                var seen = Interlocked.CompareExchange(ref target, value, current);
                if (seen == current) return;
                current = seen;
            }
        }
    }
}
