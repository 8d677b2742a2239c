# PyTorch replica of src/models/bert4rec.ts (post-LN BERT, tied output + bias, Cloze masking, warm-up + linear decay)
# on the planted chain of src/models/baselines.test.ts, to tell an engine bug from the recipe (docs/evaluation.md,
# "BERT4Rec"). Settings as JSON overrides; "oracle": 1 replaces attention by the left neighbour's value, "tied": false
# uses an untied output layer, "norm": "pre" pre-LN blocks. Run scripts/experiments/bert4rec-planted-dump.ts first.
import json, sys, math, time, random
import torch, torch.nn as nn, torch.nn.functional as F
torch.set_num_threads(1)
D = json.load(open('/tmp/bert4rec-planted.json'))
n = D['nItems']; off = D['offsets']; items = D['items']
seqs = [items[off[u]:off[u+1]] for u in range(len(off)-1)]
cfg = dict(maxLen=16, dim=16, blocks=1, heads=2, epochs=30, batchSize=16, lr=5e-3, maskProb=0.3, lastMaskShare=0.2, dropout=0.1, initStd=0.02, warmup=20, norm='post', tied=True, embln=True, embStd=None, seed=1, wd=0.01)
for a in sys.argv[1:]: cfg.update(json.loads(a))
torch.manual_seed(cfg['seed']); random.seed(cfg['seed'])
L, d, H = cfg['maxLen'], cfg['dim'], cfg['heads']; V = n + 2; MASK = n + 1
std = cfg['initStd']; estd = cfg['embStd'] or std
def lin(i, o):
    l = nn.Linear(i, o); nn.init.normal_(l.weight, 0, std); nn.init.zeros_(l.bias); return l
class Block(nn.Module):
    def __init__(s):
        super().__init__(); s.q, s.k, s.v, s.o = lin(d, d), lin(d, d), lin(d, d), lin(d, d)
        s.ln1, s.ln2 = nn.LayerNorm(d, eps=1e-12), nn.LayerNorm(d, eps=1e-12); s.f1, s.f2 = lin(d, 4*d), lin(4*d, d)
    def attn(s, x, km):
        B = x.shape[0]; sp = lambda t: t.view(B, L, H, d//H).transpose(1, 2)
        q, k, v = sp(s.q(x)), sp(s.k(x)), sp(s.v(x))
        sc = q @ k.transpose(-1, -2) / math.sqrt(d//H)
        sc = sc.masked_fill(~km[:, None, None, :], float('-inf'))
        if cfg.get('oracle'):
            vv = s.v(x); vv = torch.cat([torch.zeros_like(vv[:, :1]), vv[:, :-1]], 1); return s.o(vv)
        return s.o((sc.softmax(-1) @ v).transpose(1, 2).reshape(B, L, d))
    def forward(s, h, km, drop):
        if cfg['norm'] == 'post':
            h = s.ln1(h + drop(s.attn(h, km))); return s.ln2(h + drop(s.f2(F.gelu(s.f1(h)))))
        h = h + drop(s.attn(s.ln1(h), km)); return h + drop(s.f2(F.gelu(s.f1(s.ln2(h)))))
class M(nn.Module):
    def __init__(s):
        super().__init__(); s.tok = nn.Parameter(torch.randn(V, d) * estd); s.pos = nn.Parameter(torch.randn(L, d) * (cfg.get('posStd') or estd))
        s.eln = nn.LayerNorm(d, eps=1e-12); s.blocks = nn.ModuleList([Block() for _ in range(cfg['blocks'])])
        s.head = lin(d, d); s.hln = nn.LayerNorm(d, eps=1e-12); s.bias = nn.Parameter(torch.zeros(V)); s.out = lin(d, V)
        s.fln = nn.LayerNorm(d, eps=1e-12)
    def forward(s, ids):
        drop = lambda x: F.dropout(x, cfg['dropout'], s.training)
        km = ids != 0; e = s.tok[ids] + s.pos[None]
        h = drop(s.eln(e) if cfg['embln'] else e)
        for b in s.blocks: h = b(h, km, drop)
        if cfg['norm'] == 'pre': h = s.fln(h)
        if cfg['tied']: return s.hln(F.gelu(s.head(h))) @ s.tok.T + s.bias
        return s.out(h)
m = M()
opt = torch.optim.AdamW(m.parameters(), lr=cfg['lr'], weight_decay=cfg['wd'], eps=1e-8)
spe = math.ceil(len(seqs) / cfg['batchSize']); total = spe * cfg['epochs']; W = cfg['warmup']
lr_at = lambda st: cfg['lr'] * ((st+1)/W if st < W else max(0, (total-st)/max(1, total-W)))
rng = random.Random(cfg['seed']); step = 0; t0 = time.time(); curve = []
for ep in range(cfg['epochs']):
    order = list(range(len(seqs))); rng.shuffle(order); m.train(); tot = 0
    for bi in range(spe):
        bu = order[bi*cfg['batchSize']:(bi+1)*cfg['batchSize']]; B = len(bu)
        ids = torch.zeros(B, L, dtype=torch.long); lab = torch.full((B, L), -100, dtype=torch.long)
        for b, u in enumerate(bu):
            s = seqs[u]; end = L + int(rng.random() * (len(s) - L + 1)) if len(s) > L else len(s); w = s[max(0, end-L):end]; o = L - len(w)
            last = rng.random() < cfg['lastMaskShare']; k = 0
            for j, it in enumerate(w):
                mk = (j == len(w)-1) if last else rng.random() < cfg['maskProb']
                ids[b, o+j] = MASK if mk else it + 1
                if mk: lab[b, o+j] = it + 1; k += 1
            if not k: ids[b, L-1] = MASK; lab[b, L-1] = w[-1] + 1
        for g in opt.param_groups: g['lr'] = lr_at(step)
        loss = F.cross_entropy(m(ids).view(-1, V), lab.view(-1)); opt.zero_grad(); loss.backward()
        torch.nn.utils.clip_grad_norm_(m.parameters(), 5.0); opt.step(); step += 1; tot += loss.item()
    if (ep+1) % 5 == 0: curve.append(round(tot/spe, 2))
m.eval(); hits = 0
with torch.no_grad():
    for c in D['test']:
        h = c['h'][-(L-1):]; ids = torch.zeros(1, L, dtype=torch.long)
        for j, it in enumerate(h): ids[0, L-1-len(h)+j] = it + 1
        ids[0, L-1] = MASK; sc = m(ids)[0, L-1, 1:n+1].clone(); sc[c['h']] = -1e9
        top = sc.topk(5).indices.tolist(); hits += len(set(top) & set(c['t'])) / len(c['t'])
print(json.dumps({k: v for k, v in cfg.items() if k in json.loads(sys.argv[1] if len(sys.argv) > 1 else '{}')}), 'curve', curve, 'recall %.3f' % (hits/len(D['test'])), '%.1fs' % (time.time()-t0))
