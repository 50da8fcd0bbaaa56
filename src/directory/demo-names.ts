/**
 * Invented-name data for the demo school (see demo-school.ts). Data only, no logic.
 *
 * Names are grouped by heritage so that a family's names hang together (a child called Oisín is more likely to be
 * an O'Connor than a Wójcik), which is what makes a demo class list look like a real modern UK register. Weights
 * are rough shares of families in a diverse English town, not statistics about any real place.
 *
 * Children's and adults' given names are kept apart because they differ by generation: pupils born 2010–2022 are
 * Olivers and Islas, their parents and teachers are more often Gemmas and Craigs.
 *
 * Every list is an ordinary, common name; the combination is random. A few combinations would spell a well-known
 * public figure, so FAMOUS_NAME_BLOCKLIST lets the generator redraw those.
 */

export interface NamePool {
  /** Plain label, for reading the data only. */
  heritage: string;
  /** Relative share of families drawn from this pool. */
  weight: number;
  childGiven: readonly string[];
  adultGiven: readonly string[];
  family: readonly string[];
}

export const NAME_POOLS: readonly NamePool[] = [
  {
    heritage: 'English',
    weight: 40,
    childGiven: [
      'Oliver', 'George', 'Arthur', 'Noah', 'Leo', 'Harry', 'Oscar', 'Archie', 'Henry', 'Theo', 'Freddie', 'Alfie',
      'Charlie', 'Jack', 'Thomas', 'Joshua', 'Jacob', 'William', 'Teddy', 'Finley', 'Reggie', 'Albie', 'Tommy',
      'Ronnie', 'Jude', 'Max', 'Sebastian', 'Ethan', 'Toby', 'Harvey', 'Stanley', 'Louie', 'Edward', 'Samuel',
      'Olivia', 'Amelia', 'Ava', 'Lily', 'Freya', 'Florence', 'Poppy', 'Ivy', 'Isabella', 'Evie', 'Sophia', 'Ella',
      'Grace', 'Willow', 'Rosie', 'Daisy', 'Sienna', 'Matilda', 'Elsie', 'Phoebe', 'Harper', 'Millie', 'Evelyn',
      'Maisie', 'Ruby', 'Esme', 'Imogen', 'Hallie', 'Bonnie', 'Margot', 'Violet', 'Emily', 'Jessica', 'Lottie',
    ],
    adultGiven: [
      'Sarah', 'Emma', 'Claire', 'Rachel', 'Laura', 'Gemma', 'Nicola', 'Helen', 'Joanne', 'Kelly', 'Lisa', 'Rebecca',
      'Hannah', 'Katie', 'Victoria', 'Charlotte', 'Amy', 'Jennifer', 'Louise', 'Stephanie', 'Zoe', 'Natalie', 'Lucy',
      'Kerry', 'Hayley', 'Vicky', 'Jodie', 'Samantha', 'Catherine', 'Alison',
      'Mark', 'Paul', 'Daniel', 'David', 'Andrew', 'Richard', 'Matthew', 'Christopher', 'James', 'Stephen',
      'Michael', 'Lee', 'Craig', 'Neil', 'Simon', 'Gary', 'Jonathan', 'Ben', 'Adam', 'Tom', 'Robert', 'Stuart',
      'Darren', 'Jamie', 'Ryan', 'Nathan', 'Carl', 'Philip', 'Martin', 'Sam',
    ],
    family: [
      'Smith', 'Taylor', 'Brown', 'Wilson', 'Johnson', 'Wright', 'Walker', 'Robinson', 'Thompson', 'White',
      'Edwards', 'Green', 'Hall', 'Wood', 'Harris', 'Clarke', 'Jackson', 'Turner', 'Hill', 'Moore', 'Cooper',
      'Ward', 'Morris', 'King', 'Baker', 'Harrison', 'Parker', 'Shaw', 'Chapman', 'Fletcher', 'Mason', 'Barker',
      'Lloyd', 'Marshall', 'Dixon', 'Atkinson', 'Bennett', 'Pearson', 'Spencer', 'Whitfield', 'Ashworth',
      'Pickering', 'Hargreaves', 'Sutcliffe', 'Bradshaw', 'Kershaw', 'Armitage', 'Brooks', 'Fox', 'Lawson', 'Webb',
      'Sharp', 'Lambert', 'Palmer', 'Cross', 'Rowe', 'Foster', 'Gibson', 'Fisher', 'Holt', 'Naylor', 'Dawson',
      'Booth', 'Hodgson', 'Newton', 'Slater', 'Whittaker', 'Crowther', 'Barlow', 'Hewitt',
    ],
  },
  {
    heritage: 'Welsh',
    weight: 4,
    childGiven: [
      'Cerys', 'Ffion', 'Seren', 'Megan', 'Carys', 'Nia', 'Alys', 'Gwen', 'Mali', 'Elin', 'Lowri', 'Non',
      'Rhys', 'Dylan', 'Osian', 'Ioan', 'Gethin', 'Iwan', 'Tomos', 'Elis', 'Cai', 'Macsen', 'Harri', 'Deian',
    ],
    adultGiven: [
      'Sioned', 'Bethan', 'Rhian', 'Llinos', 'Catrin', 'Angharad', 'Sian', 'Manon', 'Eleri',
      'Dafydd', 'Gareth', 'Huw', 'Owain', 'Emyr', 'Geraint', 'Aled', 'Rhodri', 'Meirion',
    ],
    family: [
      'Jones', 'Davies', 'Evans', 'Williams', 'Thomas', 'Roberts', 'Hughes', 'Lewis', 'Morgan', 'Griffiths',
      'Owen', 'Price', 'Pritchard', 'Parry', 'Llewellyn', 'Rees', 'Bowen', 'Powell', 'Vaughan', 'Jenkins',
    ],
  },
  {
    heritage: 'Scottish',
    weight: 5,
    childGiven: [
      'Isla', 'Ailsa', 'Eilidh', 'Mairi', 'Skye', 'Iona', 'Orla', 'Rowan', 'Kirsty', 'Islay',
      'Callum', 'Fraser', 'Ruaridh', 'Lachlan', 'Finlay', 'Euan', 'Hamish', 'Angus', 'Struan', 'Murray',
    ],
    adultGiven: [
      'Fiona', 'Morag', 'Shona', 'Lorna', 'Catriona', 'Heather', 'Kirsteen', 'Jillian',
      'Alasdair', 'Iain', 'Graeme', 'Douglas', 'Ewan', 'Kenneth', 'Alistair', 'Duncan', 'Ross',
    ],
    family: [
      'MacDonald', 'Campbell', 'Stewart', 'Robertson', 'Fraser', 'MacLeod', 'Sinclair', 'Munro', 'Mackenzie',
      'Paterson', 'Henderson', 'Morrison', 'Reid', 'Graham', 'Ferguson', 'Wallace', 'Buchanan', 'McIntyre',
      'Drummond', 'Baird', 'Cunningham', 'Macrae',
    ],
  },
  {
    heritage: 'Irish',
    weight: 5,
    childGiven: [
      'Aoife', 'Niamh', 'Róisín', 'Saoirse', 'Caoimhe', 'Clodagh', 'Éabha', 'Orlaith', 'Méabh', 'Ciara', 'Aisling',
      'Ciarán', 'Oisín', 'Cillian', 'Darragh', 'Seán', 'Fionn', 'Cian', 'Tadhg', 'Rónán', 'Conor', 'Eoin',
    ],
    adultGiven: [
      'Siobhán', 'Bríd', 'Gráinne', 'Deirdre', 'Sinéad', 'Máire', 'Nuala', 'Orla', 'Bernadette',
      'Declan', 'Padraig', 'Colm', 'Donal', 'Fergal', 'Kieran', 'Brendan', 'Eamon', 'Niall',
    ],
    family: [
      "O'Brien", "O'Connor", 'Murphy', 'Kelly', 'Byrne', 'Walsh', 'Doyle', 'McCarthy', 'Gallagher', 'Quinn',
      'Brennan', 'Doherty', 'Nolan', 'Flanagan', 'Kavanagh', 'Fitzgerald', 'Maguire', 'McLoughlin', 'Duffy',
      'Sheridan', "O'Sullivan", 'Ó Súilleabháin', 'Hennessy', 'Lynch',
    ],
  },
  {
    heritage: 'Pakistani and Bangladeshi',
    weight: 10,
    childGiven: [
      'Muhammad', 'Ayaan', 'Ibrahim', 'Yusuf', 'Musa', 'Hamza', 'Eesa', 'Zakariya', 'Rayyan', 'Arham', 'Haider',
      'Idris', 'Ahmad', 'Zain', 'Ismail', 'Ayaz', 'Aisha', 'Maryam', 'Fatima', 'Zara', 'Hafsa', 'Inaya', 'Amira',
      'Safa', 'Sumaya', 'Hana', 'Eshal', 'Zainab', 'Khadija', 'Noor', 'Iqra', 'Mariam', 'Anabia', 'Aleena',
    ],
    adultGiven: [
      'Tariq', 'Asif', 'Shahid', 'Nadeem', 'Kamran', 'Faisal', 'Adnan', 'Sajid', 'Rizwan', 'Naveed', 'Abdul',
      'Mohammed', 'Shahed', 'Jamal', 'Nazia', 'Shabana', 'Rukhsana', 'Samina', 'Farzana', 'Saima', 'Sadia',
      'Nasreen', 'Ruksana', 'Shazia', 'Uzma', 'Tahira', 'Rehana', 'Shamima',
    ],
    family: [
      'Khan', 'Ahmed', 'Hussain', 'Ali', 'Iqbal', 'Akhtar', 'Rahman', 'Mahmood', 'Shah', 'Butt', 'Chaudhry',
      'Rashid', 'Aslam', 'Siddiqui', 'Miah', 'Uddin', 'Islam', 'Chowdhury', 'Hossain', 'Qureshi', 'Anwar',
      'Javed', 'Rehman', 'Karim', 'Haque',
    ],
  },
  {
    heritage: 'Indian',
    weight: 6,
    childGiven: [
      'Arjun', 'Aarav', 'Vihaan', 'Krish', 'Rohan', 'Ishaan', 'Reyansh', 'Veer', 'Jaskaran', 'Harjot', 'Kabir',
      'Arya', 'Advik', 'Anaya', 'Priya', 'Diya', 'Saanvi', 'Aadhya', 'Isha', 'Simran', 'Navleen', 'Jasleen',
      'Riya', 'Meera', 'Tara', 'Anika', 'Myra', 'Kiara',
    ],
    adultGiven: [
      'Rajesh', 'Sanjay', 'Vikram', 'Amit', 'Sunil', 'Ravi', 'Deepak', 'Harpreet', 'Gurpreet', 'Manjit', 'Kuldeep',
      'Suresh', 'Ajay', 'Neeta', 'Sunita', 'Kavita', 'Pooja', 'Anjali', 'Rupinder', 'Manpreet', 'Hema', 'Shalini',
      'Divya', 'Reena', 'Jaspal', 'Nisha',
    ],
    family: [
      'Patel', 'Sharma', 'Singh', 'Kaur', 'Gill', 'Sandhu', 'Dhillon', 'Sidhu', 'Mistry', 'Parmar', 'Chauhan',
      'Joshi', 'Mehta', 'Desai', 'Kumar', 'Nair', 'Pillai', 'Reddy', 'Bains', 'Johal', 'Virdi', 'Lakhani',
      'Thakrar', 'Solanki',
    ],
  },
  {
    heritage: 'Polish and Romanian',
    weight: 6,
    childGiven: [
      'Zofia', 'Zuzanna', 'Julia', 'Hanna', 'Maja', 'Lena', 'Alicja', 'Oliwia', 'Wiktoria', 'Natalia', 'Ioana',
      'Antoni', 'Jakub', 'Jan', 'Szymon', 'Filip', 'Kacper', 'Mikołaj', 'Wojciech', 'Oskar', 'Aleksander', 'Igor',
      'Bartosz', 'Andrei', 'Darius', 'Ștefan',
    ],
    adultGiven: [
      'Agnieszka', 'Katarzyna', 'Magdalena', 'Joanna', 'Anna', 'Ewelina', 'Monika', 'Marta', 'Cristina', 'Raluca',
      'Paweł', 'Tomasz', 'Piotr', 'Krzysztof', 'Łukasz', 'Marcin', 'Michał', 'Grzegorz', 'Mihai', 'Alexandru',
    ],
    // Surnames without a masculine/feminine form (Nowak, not Kowalski/Kowalska): the demo does not model gender.
    family: [
      'Nowak', 'Wójcik', 'Kowalczyk', 'Mazur', 'Krawczyk', 'Woźniak', 'Kaczmarek', 'Zając', 'Król', 'Wieczorek',
      'Pawlak', 'Michalak', 'Sikora', 'Baran', 'Popescu', 'Ionescu', 'Constantin', 'Dumitru', 'Munteanu',
    ],
  },
  {
    heritage: 'Nigerian and Ghanaian',
    weight: 6,
    childGiven: [
      'Tobi', 'Tolu', 'Ayo', 'Chidi', 'Emeka', 'Kelechi', 'Femi', 'Dami', 'Ife', 'Tomi', 'Kemi', 'Chioma',
      'Adaeze', 'Amara', 'Precious', 'Favour', 'Esther', 'Samuel', 'Ebuka', 'Olamide', 'Kofi', 'Kwame', 'Ama',
      'Akosua', 'Nana', 'Temi', 'Somto', 'Zion',
    ],
    adultGiven: [
      'Adebayo', 'Oluwaseun', 'Chinedu', 'Babatunde', 'Folake', 'Funmilayo', 'Ngozi', 'Chiamaka', 'Yetunde',
      'Adaora', 'Kwabena', 'Abena', 'Efua', 'Obinna', 'Segun', 'Bisi', 'Gbenga', 'Nneka', 'Kojo', 'Akua',
    ],
    family: [
      'Adeyemi', 'Okafor', 'Okonkwo', 'Eze', 'Nwosu', 'Ogunleye', 'Balogun', 'Afolabi', 'Adeleke', 'Oyewole',
      'Olawale', 'Okeke', 'Onyeka', 'Mensah', 'Asante', 'Owusu', 'Appiah', 'Osei', 'Danso', 'Adjei',
    ],
  },
  {
    heritage: 'Somali',
    weight: 3,
    childGiven: [
      'Abdi', 'Abdirahman', 'Mohamed', 'Liban', 'Khadar', 'Bilal', 'Abdullahi', 'Zakaria', 'Hodan', 'Ayan', 'Hibo',
      'Idil', 'Nasra', 'Sagal', 'Ubah', 'Yasmin', 'Deeqa', 'Filsan', 'Hamdi', 'Sumaya',
    ],
    adultGiven: [
      'Ahmed', 'Hassan', 'Abdullahi', 'Mohamud', 'Yusuf', 'Ismail', 'Abdiwali', 'Fadumo', 'Hawa', 'Halima',
      'Asha', 'Khadra', 'Sahra', 'Hibaq',
    ],
    family: [
      'Ali', 'Hassan', 'Mohamed', 'Omar', 'Abdi', 'Warsame', 'Jama', 'Hersi', 'Osman', 'Aden', 'Yusuf', 'Ibrahim',
      'Nur', 'Duale', 'Egal', 'Samatar', 'Ahmed', 'Guled',
    ],
  },
  {
    heritage: 'Caribbean',
    weight: 4,
    childGiven: [
      'Malachi', 'Josiah', 'Kai', 'Isaiah', 'Jayden', 'Elijah', 'Nathaniel', 'Reuben', 'Kemar', 'Micah',
      'Aaliyah', 'Imani', 'Nia', 'Amani', 'Jada', 'Naomi', 'Tiana', 'Eden', 'Keziah', 'Serenity',
    ],
    adultGiven: [
      'Winston', 'Delroy', 'Leroy', 'Trevor', 'Clive', 'Errol', 'Devon', 'Dwayne', 'Andre', 'Marlon',
      'Marcia', 'Sonia', 'Beverley', 'Paulette', 'Michelle', 'Tanya', 'Simone', 'Donna', 'Yvonne', 'Keisha',
    ],
    family: [
      'Campbell', 'Clarke', 'Francis', 'Grant', 'Bailey', 'Brown', 'Williams', 'Richards', 'Morgan', 'Powell',
      'Reid', 'Samuels', 'Stewart', 'Edwards', 'Lindo', 'McKenzie', 'Blackwood', 'Forbes', 'Hinds', 'Beckford',
    ],
  },
  {
    heritage: 'Chinese, Vietnamese and Filipino',
    weight: 4,
    childGiven: [
      'Ethan', 'Lucas', 'Chloe', 'Jiayi', 'Yuxuan', 'Zihan', 'Wen', 'Mei', 'Ling', 'Hao', 'Jun', 'Kai', 'Minh',
      'Linh', 'Anh', 'Bao', 'Thu', 'Angelo', 'Andrea', 'Jasmine', 'Tiffany', 'Ryan',
    ],
    adultGiven: [
      'Wei', 'Ming', 'Hui', 'Xiaoling', 'Jing', 'Lei', 'Yan', 'Kin', 'Siu', 'Hoa', 'Thanh', 'Tuan', 'Maricel',
      'Rowena', 'Jerome', 'Winnie', 'Kenneth', 'Joyce',
    ],
    family: [
      'Chen', 'Wong', 'Li', 'Zhang', 'Wang', 'Liu', 'Lam', 'Chan', 'Cheung', 'Ho', 'Lau', 'Ng', 'Tang', 'Yeung',
      'Nguyen', 'Tran', 'Pham', 'Le', 'Santos', 'Reyes', 'Dela Cruz', 'Bautista',
    ],
  },
  {
    heritage: 'Turkish, Kurdish, Arab and Iranian',
    weight: 4,
    childGiven: [
      'Emir', 'Deniz', 'Elif', 'Zeynep', 'Defne', 'Ela', 'Mira', 'Omar', 'Layla', 'Sara', 'Rania', 'Karim',
      'Jana', 'Lina', 'Yara', 'Zaid', 'Rojin', 'Aram', 'Dilan', 'Azad', 'Arash', 'Shirin', 'Parisa', 'Kian',
    ],
    adultGiven: [
      'Mehmet', 'Mustafa', 'Ahmet', 'Ayşe', 'Fatma', 'Emine', 'Hasan', 'Serkan', 'Khaled', 'Rana', 'Huda',
      'Samir', 'Reza', 'Leila', 'Navid', 'Soraya', 'Hêvî', 'Bahar',
    ],
    family: [
      'Yılmaz', 'Kaya', 'Demir', 'Şahin', 'Çelik', 'Aydın', 'Öztürk', 'Arslan', 'Doğan', 'Haddad', 'Khalil',
      'Mansour', 'Saleh', 'Hamdan', 'Rahimi', 'Hosseini', 'Karimi', 'Ahmadi', 'Amin', 'Tahir',
    ],
  },
  {
    heritage: 'Portuguese, Italian and Spanish',
    weight: 3,
    childGiven: [
      'Mateus', 'Tiago', 'Beatriz', 'Inês', 'Matilde', 'Francesca', 'Giulia', 'Luca', 'Matteo', 'Sofia',
      'Lucía', 'Martina', 'Hugo', 'Pablo', 'Daniela', 'Alba', 'Gonçalo', 'Leonor',
    ],
    adultGiven: [
      'João', 'Ana', 'Carla', 'Paulo', 'Rui', 'Giuseppe', 'Alessandro', 'Chiara', 'Javier', 'Carmen', 'Miguel',
      'Pilar', 'Sofia', 'Elisa', 'Nuno', 'Raquel',
    ],
    family: [
      'Silva', 'Santos', 'Ferreira', 'Pereira', 'Costa', 'Rodrigues', 'Oliveira', 'Russo', 'Esposito', 'Romano',
      'Bianchi', 'Ricci', 'Conti', 'García', 'Martínez', 'López', 'Fernández', 'Sánchez', 'Gonçalves',
    ],
  },
];

/**
 * Given+family combinations that would name a well-known public figure; compared after folding to lower-case
 * ASCII. Random pairing of common names cannot avoid every real person, but it should not produce famous ones.
 */
export const FAMOUS_NAME_BLOCKLIST: ReadonlySet<string> = new Set([
  'emma thompson', 'mark wright', 'tom jones', 'gareth thomas', 'michael owen', 'adam smith', 'paul smith',
  'victoria wood', 'mohammed ali', 'muhammad ali', 'mohamed ali', 'richard osman', 'matthew smith', 'james morrison',
  'ryan reid', 'tom walker', 'david jones', 'kelly brook', 'david morrissey', 'jamie baker', 'zara green',
  'mohamed farah', 'ahmed hussain', 'lucy davies', 'paul walker', 'jack wilson', 'david walker', 'sam smith',
  'harry taylor', 'andrew marshall', 'michael jackson', 'janet jackson', 'chris brown', 'james brown',
  'mark williams', 'robbie williams', 'amy williams', 'zain ali', 'simon reid', 'daniel morgan', 'emma bunton',
  'ryan giggs', 'helen mirren', 'stuart hall', 'ben stokes', 'gary lineker', 'jonathan ross', 'carl fox',
  'jamal edwards', 'lee evans', 'michael fish', 'james blunt', 'alan shearer', 'paul robinson', 'john lewis',
]);
