-- sangkat_mcpi: serves the mcpi (RaspberryJuice) text protocol on a loopback TCP port.
--
-- Sangkat's bridge (games/minecraft/bridge) speaks to this mod exactly as it speaks to a Minecraft
-- Java server with RaspberryJuice: one command per line, `name(arg,arg,...)`; setters get no reply,
-- getters get one line; an error gets the line `Fail`. Coordinates are Minecraft's: relative to
-- `sangkat_mcpi.origin`, with z negated, because Minecraft's +z is south and Minetest's is north
-- (without that, every build would come out mirrored). getBlocks answers in RaspberryJuice's
-- y, x, z order. The socket is polled (never blocks) from a globalstep; areas that are not in
-- memory are emerged first and the client's later commands wait, in order, until they are.
local modname = minetest.get_current_modname()
local modpath = minetest.get_modpath(modname)

-- Must be called here, at load time, from init.lua's main scope (Minetest's rule).
local insecure = minetest.request_insecure_environment()
if not insecure then
	error("[sangkat_mcpi] add `secure.trusted_mods = sangkat_mcpi` to minetest.conf: " ..
		"the mod needs luasocket to open its TCP port")
end
-- socket.lua calls require() through the global table, which the sandbox has emptied of it.
local sandbox_require = require
require = insecure.require
local loaded, socket = pcall(insecure.require, "socket")
require = sandbox_require
if not loaded then
	error("[sangkat_mcpi] luasocket is missing (Debian: apt-get install lua-socket): " .. tostring(socket))
end

local settings = minetest.settings
local port = tonumber(settings:get("sangkat_mcpi.port")) or 4711
local bind = settings:get("sangkat_mcpi.bind") or "127.0.0.1"
local test_commands = settings:get_bool("sangkat_mcpi.test_commands", false)
local origin = {x = 0, y = 0, z = 0}
do
	local ox, oy, oz = (settings:get("sangkat_mcpi.origin") or ""):match("^%s*(-?%d+)%s*,%s*(-?%d+)%s*,%s*(-?%d+)%s*$")
	if ox then origin = {x = tonumber(ox), y = tonumber(oy), z = tonumber(oz)} end
end

-- Limits: one reply line and one VoxelManip stay a few megabytes.
local MAX_VOLUME = 1048576 * 4
local MAX_LINE = 1024 * 1024
local MAX_INBUF = 8 * 1024 * 1024
local MAX_HITS = 1000
local STEP_BUDGET_US = 40000

local server = assert(socket.tcp4())
-- tcp4(), not tcp(): luasocket 3 creates a tcp() socket only at bind, too late for the option.
assert(server:setoption("reuseaddr", true))
do
	local ok, err = server:bind(bind, port)
	if not ok then
		error("[sangkat_mcpi] cannot listen on " .. bind .. ":" .. port .. ": " .. tostring(err))
	end
end
assert(server:listen(16))
server:settimeout(0)
minetest.log("action", "[sangkat_mcpi] listening on " .. bind .. ":" .. port)

---------------------------------------------------------------------------------------------------
-- Block mapping (blocks.lua), resolved once every mod has registered its nodes.
local mapping = dofile(modpath .. "/blocks.lua")

-- Blocks Sangkat's sites use that minetest_game lacks: concrete and terracotta in Minecraft's
-- sixteen colours, plain terracotta and a sea lantern. Players find them in the creative inventory.
local S = minetest.get_translator(modname)
local stone_sounds = default.node_sound_stone_defaults()
for _, dye in pairs(mapping.dyes) do
	local name, colour = dye[1], dye[2]
	minetest.register_node(modname .. ":concrete_" .. name, {
		description = S("Concrete (@1)", (name:gsub("_", " "))),
		tiles = {"default_stone_block.png^[colorize:" .. colour .. ":215"},
		groups = {cracky = 3},
		sounds = stone_sounds,
	})
	minetest.register_node(modname .. ":terracotta_" .. name, {
		description = S("Terracotta (@1)", (name:gsub("_", " "))),
		tiles = {"default_clay.png^[colorize:" .. colour .. ":170"},
		groups = {cracky = 3},
		sounds = stone_sounds,
	})
end
minetest.register_node(modname .. ":terracotta", {
	description = S("Terracotta"),
	tiles = {"default_clay.png^[colorize:#985e43:170"},
	groups = {cracky = 3},
	sounds = stone_sounds,
})
minetest.register_node(modname .. ":sea_lantern", {
	description = S("Sea lantern"),
	tiles = {"default_glass.png^[colorize:#d8ece6:200"},
	light_source = minetest.LIGHT_MAX,
	groups = {cracky = 3},
	sounds = default.node_sound_glass_defaults(),
})
local exact, any_data = {}, {}  -- id*16+data / id -> {cid, param2}
local by_cid = {}  -- content id -> {id, data}
local fallback_write, fallback_read

minetest.register_on_mods_loaded(function()
	for _, row in ipairs(mapping.rows) do
		local id, data, name, param2 = row[1], row[2], row[3], row[4] or 0
		if name == "air" or minetest.registered_nodes[name] then
			local cid = minetest.get_content_id(name)
			local target = {cid = cid, param2 = param2}
			if data == nil then
				any_data[id] = any_data[id] or target
			else
				exact[id * 16 + data] = exact[id * 16 + data] or target
			end
			by_cid[cid] = by_cid[cid] or {id = id, data = data or 0}
		end
	end
	fallback_write = {cid = minetest.get_content_id(mapping.fallback_node), param2 = 0}
	fallback_read = {id = mapping.fallback_id, data = 0}
	by_cid[minetest.CONTENT_IGNORE] = {id = 0, data = 0}
end)

local function node_for(id, data)
	return exact[id * 16 + data] or any_data[id] or fallback_write
end

local function block_for(cid)
	return by_cid[cid] or fallback_read
end

---------------------------------------------------------------------------------------------------
-- Coordinates.
local function to_mt(x, y, z)
	return {x = origin.x + x, y = origin.y + y, z = origin.z - z}
end

local function to_mc(pos)
	return pos.x - origin.x, pos.y - origin.y, origin.z - pos.z
end

local function int(text)
	local n = tonumber(text)
	if not n or n ~= n or n == math.huge or n == -math.huge then
		error("not a number: " .. tostring(text), 0)
	end
	return math.floor(n)
end

local function split(args)
	local out = {}
	for part in (args .. ","):gmatch("([^,]*),") do
		out[#out + 1] = part
	end
	return out
end

-- Sorted Minetest corners of the Minecraft box (x0,y0,z0)-(x1,y1,z1).
local function box(x0, y0, z0, x1, y1, z1)
	local a, b = to_mt(x0, y0, z0), to_mt(x1, y1, z1)
	local p1 = {x = math.min(a.x, b.x), y = math.min(a.y, b.y), z = math.min(a.z, b.z)}
	local p2 = {x = math.max(a.x, b.x), y = math.max(a.y, b.y), z = math.max(a.z, b.z)}
	local volume = (p2.x - p1.x + 1) * (p2.y - p1.y + 1) * (p2.z - p1.z + 1)
	if volume > MAX_VOLUME then
		error("area too large: " .. volume .. " blocks, at most " .. MAX_VOLUME, 0)
	end
	return p1, p2
end

---------------------------------------------------------------------------------------------------
-- Areas must be in memory before get_node/set_node/VoxelManip see them; emerge them otherwise.
local WAIT = {}

local function area_ready(p1, p2)
	for bx = math.floor(p1.x / 16), math.floor(p2.x / 16) do
		for by = math.floor(p1.y / 16), math.floor(p2.y / 16) do
			for bz = math.floor(p1.z / 16), math.floor(p2.z / 16) do
				local pos = {x = bx * 16, y = by * 16, z = bz * 16}
				if not (minetest.compare_block_status(pos, "loaded")
						or minetest.compare_block_status(pos, "active")) then
					return false
				end
			end
		end
	end
	return true
end

local function ensure_area(client, p1, p2)
	if area_ready(p1, p2) then
		client.emerge_tries = 0
		return true
	end
	client.emerge_tries = client.emerge_tries + 1
	if client.emerge_tries > 5 then
		client.emerge_tries = 0
		error("the area could not be loaded", 0)
	end
	client.waiting = true
	minetest.emerge_area(p1, p2, function(_, _, remaining)
		if remaining == 0 then
			client.waiting = false
		end
	end)
	return false
end

---------------------------------------------------------------------------------------------------
-- Block hits, from every player's punch, kept until a client reads them (one queue: Sangkat is the
-- only client, and a hit made while its connection was down is still delivered on reconnect).
local hits = {}
local entity_ids, next_entity_id = {}, 1

local function entity_id(name)
	if not entity_ids[name] then
		entity_ids[name] = next_entity_id
		next_entity_id = next_entity_id + 1
	end
	return entity_ids[name]
end

minetest.register_on_punchnode(function(pos, _, puncher, pointed_thing)
	local face = 1
	if pointed_thing and pointed_thing.type == "node" and pointed_thing.above and pointed_thing.under then
		local d = vector.subtract(pointed_thing.above, pointed_thing.under)
		-- Minecraft faces: 0 -y, 1 +y, 2 -z, 3 +z, 4 -x, 5 +x (Minetest's +z is Minecraft's -z).
		if d.y < 0 then face = 0
		elseif d.y > 0 then face = 1
		elseif d.z > 0 then face = 2
		elseif d.z < 0 then face = 3
		elseif d.x < 0 then face = 4
		else face = 5 end
	end
	local name = puncher and puncher.get_player_name and puncher:get_player_name() or ""
	local x, y, z = to_mc(pos)
	if #hits >= MAX_HITS then
		table.remove(hits, 1)
	end
	hits[#hits + 1] = string.format("%d,%d,%d,%d,%d", x, y, z, face, entity_id(name))
end)

local function first_player()
	local player = minetest.get_connected_players()[1]
	if not player then
		error("no player is connected", 0)
	end
	return player
end

---------------------------------------------------------------------------------------------------
-- The commands. Each gets (client, args as a list of strings, raw args) and returns a reply
-- line, nil (setters), or WAIT to be run again once its area is in memory.
local commands = {}

commands["world.getBlock"] = function(client, a)
	local p = to_mt(int(a[1]), int(a[2]), int(a[3]))
	if not ensure_area(client, p, p) then return WAIT end
	return tostring(block_for(minetest.get_content_id(minetest.get_node(p).name)).id)
end

commands["world.getBlockWithData"] = function(client, a)
	local p = to_mt(int(a[1]), int(a[2]), int(a[3]))
	if not ensure_area(client, p, p) then return WAIT end
	local block = block_for(minetest.get_content_id(minetest.get_node(p).name))
	return block.id .. "," .. block.data
end

commands["world.setBlock"] = function(client, a)
	local p = to_mt(int(a[1]), int(a[2]), int(a[3]))
	local target = node_for(int(a[4]), a[5] and int(a[5]) or 0)
	if not ensure_area(client, p, p) then return WAIT end
	minetest.set_node(p, {name = minetest.get_name_from_content_id(target.cid), param2 = target.param2})
end

local function voxel_area(p1, p2)
	local vm = minetest.get_voxel_manip()
	local e1, e2 = vm:read_from_map(p1, p2)
	return vm, VoxelArea:new({MinEdge = e1, MaxEdge = e2})
end

-- setBlocks are gathered and written together: consecutive runs (a stamp sends hundreds) share
-- one VoxelManip read, one write and one lighting pass instead of one each. They are flushed
-- before any other command, at the end of every step, and before the batch outgrows
-- MAX_BATCH_VOLUME, so commands still take effect in the order they were sent.
local MAX_BATCH_VOLUME = 2097152

local function volume_of(p1, p2)
	return (p2.x - p1.x + 1) * (p2.y - p1.y + 1) * (p2.z - p1.z + 1)
end

local function flush_writes(client)
	local writes = client.writes
	if #writes == 0 then return end
	client.writes = {}
	local vm, area = voxel_area(client.wmin, client.wmax)
	local data, param2 = vm:get_data(), vm:get_param2_data()
	for _, w in ipairs(writes) do
		local cid, p2v = w.cid, w.param2
		for i in area:iterp(w.p1, w.p2) do
			data[i] = cid
			param2[i] = p2v
		end
	end
	vm:set_data(data)
	vm:set_param2_data(param2)
	vm:write_to_map(true)
end

commands["world.setBlocks"] = function(client, a)
	local p1, p2 = box(int(a[1]), int(a[2]), int(a[3]), int(a[4]), int(a[5]), int(a[6]))
	local target = node_for(int(a[7]), a[8] and int(a[8]) or 0)
	if not ensure_area(client, p1, p2) then return WAIT end
	if #client.writes > 0 then
		local lo = vector.new(math.min(client.wmin.x, p1.x), math.min(client.wmin.y, p1.y), math.min(client.wmin.z, p1.z))
		local hi = vector.new(math.max(client.wmax.x, p2.x), math.max(client.wmax.y, p2.y), math.max(client.wmax.z, p2.z))
		if volume_of(lo, hi) > MAX_BATCH_VOLUME then
			flush_writes(client)
		else
			client.wmin, client.wmax = lo, hi
		end
	end
	if #client.writes == 0 then
		client.wmin, client.wmax = p1, p2
	end
	client.writes[#client.writes + 1] = {p1 = p1, p2 = p2, cid = target.cid, param2 = target.param2}
end

commands["world.getBlocks"] = function(client, a)
	local x0, y0, z0, x1, y1, z1 = int(a[1]), int(a[2]), int(a[3]), int(a[4]), int(a[5]), int(a[6])
	local p1, p2 = box(x0, y0, z0, x1, y1, z1)
	if not ensure_area(client, p1, p2) then return WAIT end
	local vm, area = voxel_area(p1, p2)
	local data = vm:get_data()
	local out, n = {}, 0
	-- RaspberryJuice's order: y outermost, then x, then z, each from the lower corner up.
	for y = math.min(y0, y1), math.max(y0, y1) do
		for x = math.min(x0, x1), math.max(x0, x1) do
			for z = math.min(z0, z1), math.max(z0, z1) do
				n = n + 1
				out[n] = block_for(data[area:index(origin.x + x, origin.y + y, origin.z - z)]).id
			end
		end
	end
	return table.concat(out, ",")
end

commands["world.getHeight"] = function(client, a)
	local x, z = int(a[1]), int(a[2])
	local p1, p2 = box(x, -64, z, x, 191, z)
	if not ensure_area(client, p1, p2) then return WAIT end
	local vm, area = voxel_area(p1, p2)
	local data = vm:get_data()
	local air, ignore = minetest.CONTENT_AIR, minetest.CONTENT_IGNORE
	for y = p2.y, p1.y, -1 do
		local cid = data[area:index(p1.x, y, p1.z)]
		if cid ~= air and cid ~= ignore then
			return tostring(y - origin.y)
		end
	end
	return tostring(-64)
end

commands["chat.post"] = function(_, _, raw)
	-- The line is already one line; control characters still never reach players or the log.
	local text = raw:gsub("%c", " ")
	minetest.chat_send_all(text)
	minetest.log("action", "[sangkat_mcpi] chat.post: " .. text)
end

commands["events.block.hits"] = function()
	local reply = table.concat(hits, "|")
	hits = {}
	return reply
end

commands["events.clear"] = function()
	hits = {}
end

commands["player.getTilePos"] = function()
	local x, y, z = to_mc(vector.round(first_player():get_pos()))
	return x .. "," .. y .. "," .. z
end

commands["player.setTilePos"] = function(_, a)
	first_player():set_pos(to_mt(int(a[1]), int(a[2]), int(a[3])))
end

-- Test-only: a punch on a node by a pretend player, through the real on_punchnode callbacks.
if test_commands then
	commands["sangkat.punch"] = function(client, a)
		local pos = to_mt(int(a[1]), int(a[2]), int(a[3]))
		local face = a[4] and int(a[4]) or 1
		if not ensure_area(client, pos, pos) then return WAIT end
		local offsets = {[0] = {0, -1, 0}, {0, 1, 0}, {0, 0, 1}, {0, 0, -1}, {-1, 0, 0}, {1, 0, 0}}
		local o = offsets[face] or offsets[1]
		local above = {x = pos.x + o[1], y = pos.y + o[2], z = pos.z + o[3]}
		local puncher = {
			get_player_name = function() return "sangkat-test" end,
			is_player = function() return true end,
		}
		local node = minetest.get_node(pos)
		for _, callback in ipairs(minetest.registered_on_punchnodes) do
			callback(pos, node, puncher, {type = "node", under = pos, above = above})
		end
	end
end

---------------------------------------------------------------------------------------------------
-- Connections.
local clients = {}

local function run_line(client, line)
	local name, raw = line:match("^([%w%.]+)%((.*)%)%s*$")
	local command = name and commands[name]
	if not command then
		minetest.log("warning", "[sangkat_mcpi] unsupported: " .. line:sub(1, 80))
		return "Fail"
	end
	if name ~= "world.setBlocks" then
		local flushed, err = pcall(flush_writes, client)
		if not flushed then
			minetest.log("warning", "[sangkat_mcpi] world.setBlocks failed: " .. tostring(err))
			client.out[#client.out + 1] = "Fail\n"
		end
	end
	local ok, reply = pcall(command, client, split(raw), raw)
	if not ok then
		minetest.log("warning", "[sangkat_mcpi] " .. name .. " failed: " .. tostring(reply))
		return "Fail"
	end
	return reply
end

local function receive(client)
	while #client.inbuf - client.pos < MAX_INBUF do
		local data, err, partial = client.sock:receive(65536)
		local chunk = data or partial
		if chunk and #chunk > 0 then
			client.inbuf = client.inbuf .. chunk
		end
		if err == "closed" then
			client.closed = true
			return
		end
		if not data then
			return
		end
	end
end

local function flush(client)
	if #client.out == 0 then return end
	local pending = table.concat(client.out)
	local last, err, partial = client.sock:send(pending)
	local sent = last or partial or 0
	if err == "closed" then
		client.closed = true
		client.out = {}
		return
	end
	client.out = sent < #pending and {pending:sub(sent + 1)} or {}
end

local function serve(client, deadline)
	while not client.waiting and minetest.get_us_time() < deadline do
		local newline = client.inbuf:find("\n", client.pos + 1, true)
		if not newline then
			if #client.inbuf - client.pos > MAX_LINE then
				minetest.log("warning", "[sangkat_mcpi] dropping a client that sent a line over 1 MB")
				client.closed = true
			end
			break
		end
		local line = client.inbuf:sub(client.pos + 1, newline - 1):gsub("\r$", "")
		local reply = line == "" and nil or run_line(client, line)
		if reply == WAIT then
			break  -- same line again once the emerge callback clears client.waiting
		end
		client.pos = newline
		if reply ~= nil then
			client.out[#client.out + 1] = reply .. "\n"
		end
	end
	local flushed, err = pcall(flush_writes, client)
	if not flushed then
		minetest.log("warning", "[sangkat_mcpi] world.setBlocks failed: " .. tostring(err))
		client.out[#client.out + 1] = "Fail\n"
	end
	if client.pos > 65536 then
		client.inbuf = client.inbuf:sub(client.pos + 1)
		client.pos = 0
	end
end

minetest.register_globalstep(function()
	while true do
		local sock = server:accept()
		if not sock then break end
		sock:settimeout(0)
		sock:setoption("tcp-nodelay", true)
		clients[#clients + 1] = {sock = sock, inbuf = "", pos = 0, out = {}, waiting = false, emerge_tries = 0, writes = {}}
	end
	local deadline = minetest.get_us_time() + STEP_BUDGET_US
	for i = #clients, 1, -1 do
		local client = clients[i]
		if not client.closed then
			receive(client)
			serve(client, deadline)
			flush(client)
		end
		if client.closed then
			client.sock:close()
			table.remove(clients, i)
		end
	end
end)

minetest.register_on_shutdown(function()
	for _, client in ipairs(clients) do
		client.sock:close()
	end
	server:close()
end)
