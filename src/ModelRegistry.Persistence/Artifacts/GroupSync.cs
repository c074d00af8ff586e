namespace ModelRegistry.Persistence.Artifacts;

/// <summary>
/// Group commit for the file system: every caller of <see cref="SyncAsync"/> gets a sync that started after it called, and
/// callers that arrive while one sync runs share the next. A hundred concurrent ingests then cost two syncs, not two hundred
/// fsyncs (each of which, on this class of machine, costs as much CPU as creating the file).
/// </summary>
internal sealed class GroupSync(Action sync)
{
    private readonly Lock gate = new();
    private TaskCompletionSource? next;
    private bool running;

    /// <summary>Completes when a sync that began after this call has finished; faults if it failed.</summary>
    public Task SyncAsync()
    {
        lock (gate)
        {
            next ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var waiting = next.Task;
            if (!running)
            {
                running = true;
                // A thread of its own: the sync blocks for as long as the disk takes.
                _ = Task.Factory.StartNew(Run, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            }
            return waiting;
        }
    }

    private void Run()
    {
        while (true)
        {
            TaskCompletionSource group;
            lock (gate)
            {
                if (next is null)
                {
                    running = false;
                    return;
                }
                group = next;
                next = null;
            }
            try
            {
                sync();
                group.SetResult();
            }
            catch (Exception e)
            {
                group.SetException(e);
            }
        }
    }
}
