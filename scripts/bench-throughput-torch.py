# PyTorch side of `npm run bench:throughput`: the digits MLP (64-128 relu-dropout 0.2-10, adam
# 3e-3, batch 32, 15 epochs, one thread) on the rows the benchmark wrote to DATA (JSON), trained
# REPS times in this process. Prints one JSON line: each training's wall and CPU milliseconds (the
# training loop with a validation pass per epoch, as the TypeScript trainer does) and val_accuracy.
# usage: python3 bench-throughput-torch.py DATA [REPS=2] [EPOCHS=15] [SEED=1]
import json, sys, time
import torch

data = json.load(open(sys.argv[1]))
reps = int(sys.argv[2]) if len(sys.argv) > 2 else 2
epochs = int(sys.argv[3]) if len(sys.argv) > 3 else 15
seed = int(sys.argv[4]) if len(sys.argv) > 4 else 1
torch.set_num_threads(1)
f = data['features']
xt = torch.tensor(data['xTrain'], dtype=torch.float32).reshape(-1, f)
yt = torch.tensor(data['yTrain'], dtype=torch.int64)
xv = torch.tensor(data['xVal'], dtype=torch.float32).reshape(-1, f)
yv = torch.tensor(data['yVal'], dtype=torch.int64)
n = len(yt)
out = []
for rep in range(reps):
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    t0 = time.perf_counter()
    c0 = time.process_time()
    m = torch.nn.Sequential(torch.nn.Linear(f, 128), torch.nn.ReLU(), torch.nn.Dropout(0.2), torch.nn.Linear(128, data['classes']))
    opt = torch.optim.Adam(m.parameters(), lr=3e-3)
    lossf = torch.nn.CrossEntropyLoss()
    for ep in range(epochs):
        m.train()
        perm = torch.randperm(n, generator=g)
        for i in range(0, n, 32):
            idx = perm[i:i + 32]
            opt.zero_grad()
            loss = lossf(m(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
        m.eval()
        with torch.no_grad():
            logits = m(xv)
            val_loss = lossf(logits, yv).item()
            acc = (logits.argmax(1) == yv).float().mean().item()
    out.append({'ms': 1000 * (time.perf_counter() - t0), 'cpuMs': 1000 * (time.process_time() - c0), 'val_accuracy': acc})
print(json.dumps({'torch': torch.__version__, 'runs': out}))
