-- sangkat_mcpi: serves the mcpi (RaspberryJuice) text protocol on a loopback TCP port.
--
-- Sangkat's bridge (games/minecraft/bridge) speaks to this mod exactly as it speaks to a Minecraft
-- Java server with RaspberryJuice: one command per line, `name(arg,arg,...)`; setters get no reply,
-- getters get one line; an error gets the line `Fail`. Coordinates are Minecraft's: relative to
-- `sangkat_mcpi.origin`, with z negated, because Minecraft's +z is south and Minetest's is north
-- (without that, every build would come out mirrored). getBlocks answers in RaspberryJuice's
-- y, x, z order. The socket is polled (never blocks) from a globalstep; areas that are not in
-- memory are emerged first and the client's later commands wait, in order, until they are.
-- Commands carry RaspberryJuice's names (those PyPI's `mcpi` and Debian's python3-minecraftpi
-- send): player.* and entity.* positions, direction, rotation, pitch; entity ids; block-hit and chat
-- events queued per connection; world.setting. Anything else answers `Fail`, as RaspberryJuice does.
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

---------------------------------------------------------------------------------------------------
-- Events (block hits, chat posts) are queued per connection, as RaspberryJuice does: each client
-- sees the events made while it is connected, from when it connected, and reading them empties only
-- its own queue, so a second script never takes another's hits. `clients` is declared here so the
-- callbacks can reach every connection.
local clients = {}
local entity_ids, names_by_id, next_entity_id = {}, {}, 1

-- A player keeps her entity id for the server's lifetime (RaspberryJuice: the Bukkit entity id).
local function entity_id(name)
	if not entity_ids[name] then
		entity_ids[name] = next_entity_id
		names_by_id[next_entity_id] = name
		next_entity_id = next_entity_id + 1
	end
	return entity_ids[name]
end

local function queue_event(kind, record)
	for _, client in ipairs(clients) do
		local queue = client[kind]
		if #queue >= MAX_HITS then
			table.remove(queue, 1)
		end
		queue[#queue + 1] = record
	end
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
	local id = entity_id(name)
	queue_event("hits", {id = id, text = string.format("%d,%d,%d,%d,%d", x, y, z, face, id)})
end)

minetest.register_on_chat_message(function(name, message)
	-- RaspberryJuice's record is `entityId,message`; "|" separates records, so it cannot be in one.
	local id = entity_id(name)
	queue_event("chats", {id = id, text = id .. "," .. message:gsub("[|%c]", " ")})
	return false  -- the message is still shown to everyone
end)

-- Players as the commands see them: the connected ones, and with sangkat_mcpi.test_commands the
-- pretend players of `sangkat.join` (tests run without a game client; see the end of this file).
local test_players, test_order = {}, {}

local function connected_players()
	local list = minetest.get_connected_players()
	for _, name in ipairs(test_order) do
		list[#list + 1] = test_players[name]
	end
	return list
end

local function player_named(name)
	return minetest.get_player_by_name(name) or test_players[name]
end

local function first_player()
	local player = connected_players()[1]
	if not player then
		error("no player is connected", 0)
	end
	return player
end

local function player_by_id(text)
	local name = names_by_id[int(text)]
	local player = name and player_named(name)
	if not player then
		error("no connected player has entity id " .. tostring(text), 0)
	end
	return player
end

-- Positions as Minecraft's: a block spans [x, x+1); a Minetest node is centred on its coordinate.
local function pos_to_mc(p)
	return p.x - origin.x + 0.5, p.y - origin.y + 0.5, origin.z - p.z + 0.5
end

local function pos_to_mt(x, y, z)
	return {x = origin.x + x - 0.5, y = origin.y + y - 0.5, z = origin.z - z + 0.5}
end

local function number(text)
	local n = tonumber(text)
	if not n or n ~= n or n == math.huge or n == -math.huge then
		error("not a number: " .. tostring(text), 0)
	end
	return n
end

local function fmt(n)
	return string.format("%.4f", n):gsub("0+$", ""):gsub("%.$", ".0")
end

local function filtered(queue, id)
	local out, rest = {}, {}
	for _, event in ipairs(queue) do
		if id == nil or event.id == id then
			out[#out + 1] = event.text
		else
			rest[#rest + 1] = event
		end
	end
	return table.concat(out, "|"), rest
end

-- Minecraft's yaw: degrees, 0 facing +z (south), 90 facing -x (west). Minetest's: radians, 0 facing
-- its +z, which is Minecraft's -z (north), turning the same way.
local function yaw_of(player)
	return (180 - math.deg(player:get_look_horizontal())) % 360
end

local function set_yaw(player, yaw)
	player:set_look_horizontal(math.rad((180 - yaw) % 360))
end

-- The positioner commands, for `player.*` (the first connected player, as RaspberryJuice's host
-- player) and `entity.*` (a player by entity id, its first argument).
local function positioner(prefix, who, offset)
	commands[prefix .. ".getPos"] = function(_, a)
		local x, y, z = pos_to_mc(who(a):get_pos())
		return fmt(x) .. "," .. fmt(y) .. "," .. fmt(z)
	end
	commands[prefix .. ".getTile"] = function(_, a)
		local x, y, z = pos_to_mc(who(a):get_pos())
		return math.floor(x) .. "," .. math.floor(y) .. "," .. math.floor(z)
	end
	commands[prefix .. ".setPos"] = function(_, a)
		who(a):set_pos(pos_to_mt(number(a[offset + 1]), number(a[offset + 2]), number(a[offset + 3])))
	end
	commands[prefix .. ".setTile"] = function(_, a)
		local x, y, z = int(a[offset + 1]), int(a[offset + 2]), int(a[offset + 3])
		who(a):set_pos(pos_to_mt(x + 0.5, y, z + 0.5))
	end
	commands[prefix .. ".getDirection"] = function(_, a)
		local d = who(a):get_look_dir()
		return fmt(d.x) .. "," .. fmt(d.y) .. "," .. fmt(-d.z)
	end
	commands[prefix .. ".setDirection"] = function(_, a)
		local x, y, z = number(a[offset + 1]), number(a[offset + 2]), number(a[offset + 3])
		local horizontal = math.sqrt(x * x + z * z)
		if horizontal == 0 and y == 0 then error("a direction cannot be zero", 0) end
		local player = who(a)
		-- Minecraft: yaw = atan2(-x, z); pitch = atan(-y / horizontal), positive looking down.
		set_yaw(player, math.deg(math.atan2(-x, z)))
		player:set_look_vertical(math.atan2(-y, horizontal))
	end
	commands[prefix .. ".getRotation"] = function(_, a)
		return fmt(yaw_of(who(a)))
	end
	commands[prefix .. ".setRotation"] = function(_, a)
		set_yaw(who(a), number(a[offset + 1]))
	end
	commands[prefix .. ".getPitch"] = function(_, a)
		return fmt(math.deg(who(a):get_look_vertical()))
	end
	commands[prefix .. ".setPitch"] = function(_, a)
		local pitch = math.max(-90, math.min(90, number(a[offset + 1])))
		who(a):set_look_vertical(math.rad(pitch))
	end
end

local host = function() return first_player() end
local by_id = function(a) return player_by_id(a[1]) end
positioner("player", host, 0)
positioner("entity", by_id, 1)

for _, kind in ipairs({{"block.hits", "hits"}, {"chat.posts", "chats"}}) do
	local event, queue = kind[1], kind[2]
	commands["events." .. event] = function(client)
		local reply
		reply, client[queue] = filtered(client[queue], nil)
		return reply
	end
	commands["player.events." .. event] = function(client)
		local reply
		reply, client[queue] = filtered(client[queue], entity_id(first_player():get_player_name()))
		return reply
	end
	commands["entity.events." .. event] = function(client, a)
		local reply
		reply, client[queue] = filtered(client[queue], int(a[1]))
		return reply
	end
end

commands["events.clear"] = function(client)
	client.hits, client.chats = {}, {}
end

commands["player.events.clear"] = function(client)
	local id = entity_id(first_player():get_player_name())
	client.hits = select(2, filtered(client.hits, id))
	client.chats = select(2, filtered(client.chats, id))
end

commands["entity.events.clear"] = function(client, a)
	local id = int(a[1])
	client.hits = select(2, filtered(client.hits, id))
	client.chats = select(2, filtered(client.chats, id))
end

commands["world.getPlayerIds"] = function()
	local ids = {}
	for _, player in ipairs(connected_players()) do
		ids[#ids + 1] = entity_id(player:get_player_name())
	end
	return table.concat(ids, "|")
end

commands["world.getPlayerId"] = function(_, _, raw)
	if not player_named(raw) then
		error("no connected player is called " .. raw:sub(1, 40), 0)
	end
	return tostring(entity_id(raw))
end

commands["entity.getName"] = function(_, a)
	return player_by_id(a[1]):get_player_name()
end

-- world.setting: the two keys Minecraft Pi defines, as far as Minetest allows. world_immutable
-- stops players digging and placing (the protection hook); mcpi's own writes still apply, as on
-- Minecraft Pi. nametags_visible shows or hides every player's name tag.
local world_immutable, nametags_visible = false, true
local protected = minetest.is_protected
minetest.is_protected = function(pos, name)
	if world_immutable and name ~= "" then return true end
	return protected(pos, name)
end

local function apply_nametag(player)
	local colour = player:get_nametag_attributes().color or {r = 255, g = 255, b = 255}
	player:set_nametag_attributes({color = {a = nametags_visible and 255 or 0,
		r = colour.r or 255, g = colour.g or 255, b = colour.b or 255}})
end
minetest.register_on_joinplayer(apply_nametag)

commands["world.setting"] = function(_, a)
	local key, on = a[1], int(a[2]) ~= 0
	if key == "world_immutable" then
		world_immutable = on
	elseif key == "nametags_visible" then
		nametags_visible = on
		for _, player in ipairs(connected_players()) do
			apply_nametag(player)
		end
	else
		error("unknown setting " .. tostring(key):sub(1, 40), 0)
	end
end

-- Test-only: a punch on a node by a pretend player, through the real on_punchnode callbacks.
-- Test-only commands (setting sangkat_mcpi.test_commands; never on a center's server). No game
-- client runs in the tests, so a player is pretended: `sangkat.join(name)` adds one with the
-- ObjectRef methods the commands call (position, look, name tag), `sangkat.punch(x,y,z,face[,name])`
-- and `sangkat.say(name,message)` call the real register_on_punchnode / register_on_chat_message
-- callbacks as that player's punch or chat line would.
if test_commands then
	local function pretend_player(name)
		local state = {pos = {x = 0, y = 0, z = 0}, yaw = 0, pitch = 0,
			nametag = {color = {a = 255, r = 255, g = 255, b = 255}}}
		return {
			get_player_name = function() return name end,
			is_player = function() return true end,
			get_pos = function() return vector.new(state.pos) end,
			set_pos = function(_, pos) state.pos = vector.new(pos) end,
			get_look_horizontal = function() return state.yaw end,
			set_look_horizontal = function(_, yaw) state.yaw = yaw % (2 * math.pi) end,
			get_look_vertical = function() return state.pitch end,
			set_look_vertical = function(_, pitch) state.pitch = pitch end,
			get_look_dir = function()
				-- Minetest's formula (lua_api: player look direction from yaw and pitch).
				return vector.new(-math.cos(state.pitch) * math.sin(state.yaw), -math.sin(state.pitch),
					math.cos(state.pitch) * math.cos(state.yaw))
			end,
			get_nametag_attributes = function() return state.nametag end,
			set_nametag_attributes = function(_, attributes) state.nametag = attributes end,
		}
	end

	commands["sangkat.join"] = function(_, _, raw)
		if not test_players[raw] then
			test_players[raw] = pretend_player(raw)
			test_order[#test_order + 1] = raw
			apply_nametag(test_players[raw])
		end
		return tostring(entity_id(raw))
	end

	commands["sangkat.leave"] = function()
		test_players, test_order = {}, {}
	end

	commands["sangkat.nametag"] = function(_, _, raw)
		return tostring(player_named(raw):get_nametag_attributes().color.a)
	end

	commands["sangkat.protected"] = function(_, a)
		return tostring(minetest.is_protected(to_mt(int(a[1]), int(a[2]), int(a[3])), a[4] or ""))
	end

	commands["sangkat.say"] = function(_, a, raw)
		local name = a[1]
		local message = raw:sub(#name + 2)
		for _, callback in ipairs(minetest.registered_on_chat_messages) do
			if callback(name, message) then break end
		end
	end

	commands["sangkat.punch"] = function(client, a)
		local pos = to_mt(int(a[1]), int(a[2]), int(a[3]))
		local face = a[4] and int(a[4]) or 1
		local name = a[5] or "sangkat-test"
		if not ensure_area(client, pos, pos) then return WAIT end
		local offsets = {[0] = {0, -1, 0}, {0, 1, 0}, {0, 0, 1}, {0, 0, -1}, {-1, 0, 0}, {1, 0, 0}}
		local o = offsets[face] or offsets[1]
		local above = {x = pos.x + o[1], y = pos.y + o[2], z = pos.z + o[3]}
		local puncher = {
			get_player_name = function() return name end,
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
		clients[#clients + 1] = {sock = sock, inbuf = "", pos = 0, out = {}, waiting = false, emerge_tries = 0, writes = {}, hits = {}, chats = {}}
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
