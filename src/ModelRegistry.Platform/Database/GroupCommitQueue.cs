using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace ModelRegistry.Platform;

/// <summary>An item of a <see cref="GroupCommitQueue{TItem}"/>: its group writer completes it.</summary>
public interface IGroupCommitItem
{
    /// <summary>
    /// The group writer threw while this item was in its group: the item's caller must see <paramref name="exception"/>.
    /// Called once per item of that group (so it should ignore an item already completed); must not throw.
    /// </summary>
    void Fail(Exception exception);
}

/// <summary>
/// Group commit: items that arrive while a group is being written wait and are written together in the next group (at most
/// <see cref="MaxGroup"/>); alone, an item is written at once. Items are split by a key into <see cref="Partitions"/>
/// partitions with one writer each, so items with one key are written by one writer, in the order they were enqueued, and
/// the partitions' groups are written side by side.
/// </summary>
/// <remarks>
/// No lock on the way in: an enqueue is a lock-free queue append and, when no writer runs, one compare-and-swap that starts
/// one. A writer runs while its partition's queue has items and reuses its partition's group list. The writer delegate
/// completes the items of each group; if it throws, every item of that group is given the exception
/// (<see cref="IGroupCommitItem.Fail"/>) and the next group is written.
/// </remarks>
/// <typeparam name="TItem">What is written; it carries its own completion.</typeparam>
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix",
    Justification = "A queue of work waiting for its group commit, not a collection type: the name says what it does.")]
public sealed class GroupCommitQueue<TItem>
    where TItem : IGroupCommitItem
{
    private readonly Partition[] partitions;
    private readonly Func<TItem, int> partitionKey;
    private readonly Func<IReadOnlyList<TItem>, Task> writeGroup;

    /// <param name="partitions">How many partitions, each with one writer (at least 1).</param>
    /// <param name="maxGroup">Most items in one group (at least 1).</param>
    /// <param name="partitionKey">
    /// Any number (a hash code, say); items with the same number meet in one partition (the number modulo
    /// <paramref name="partitions"/>, taken as unsigned).
    /// </param>
    /// <param name="writeGroup">
    /// Writes a group, in enqueue order, and completes its items. The list is the queue's: it holds the group until the
    /// returned task completes, and is cleared and refilled afterwards.
    /// </param>
    public GroupCommitQueue(int partitions, int maxGroup, Func<TItem, int> partitionKey, Func<IReadOnlyList<TItem>, Task> writeGroup)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxGroup, 1);
        ArgumentNullException.ThrowIfNull(partitionKey);
        ArgumentNullException.ThrowIfNull(writeGroup);
        MaxGroup = maxGroup;
        this.partitionKey = partitionKey;
        this.writeGroup = writeGroup;
        this.partitions = new Partition[partitions];
        for (var i = 0; i < partitions; i++) this.partitions[i] = new Partition(this, maxGroup);
    }

    /// <summary>Partitions, each with one writer.</summary>
    public int Partitions => partitions.Length;

    /// <summary>Most items in one group.</summary>
    public int MaxGroup { get; }

    /// <summary>Queues <paramref name="item"/> and makes sure its partition has a writer. Returns at once.</summary>
    public void Enqueue(TItem item)
    {
        var partition = partitions[(uint)partitionKey(item) % (uint)partitions.Length];
        partition.Queue.Enqueue(item);
        StartWriterIfNeeded(partition);
    }

    private static void StartWriterIfNeeded(Partition partition)
    {
        if (!partition.Queue.IsEmpty && Interlocked.CompareExchange(ref partition.Writing, 1, 0) == 0)
            _ = Task.Run(partition.Write);
    }

    private async Task WriteWhileQueuedAsync(Partition partition)
    {
        try
        {
            // One writer per partition at a time (the flag), so its list is this writer's alone.
            var group = partition.Group;
            while (true)
            {
                group.Clear();
                while (group.Count < MaxGroup && partition.Queue.TryDequeue(out var next)) group.Add(next);
                if (group.Count == 0) break;
                await WriteGroupAsync(group);
            }
        }
        finally
        {
            Volatile.Write(ref partition.Writing, 0);
            // An item queued after the loop saw an empty queue, but before the flag went down, still gets a writer.
            StartWriterIfNeeded(partition);
        }
    }

    private async Task WriteGroupAsync(List<TItem> group)
    {
        try
        {
            await writeGroup(group);
        }
        catch (Exception e)
        {
            foreach (var item in group) item.Fail(e);
        }
    }

    private sealed class Partition
    {
        public Partition(GroupCommitQueue<TItem> queue, int maxGroup)
        {
            Group = new List<TItem>(maxGroup);
            Write = () => queue.WriteWhileQueuedAsync(this);
        }

        public ConcurrentQueue<TItem> Queue { get; } = new();

        /// <summary>The group being written; reused by each writer of the partition.</summary>
        public List<TItem> Group { get; }

        /// <summary>Runs a writer (one delegate for the partition's life, not one per start).</summary>
        public Func<Task> Write { get; }

        /// <summary>1 while a writer runs.</summary>
        public int Writing;
    }
}
